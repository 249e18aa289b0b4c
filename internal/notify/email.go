package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// MessageID returns the Message-ID header value of the e-mail of a
// delivery: "<clientRef@domain>".
func MessageID(clientRef, domain string) string { return "<" + clientRef + "@" + domain + ">" }

// buildEmail renders o as an RFC 5322 message: UTF-8 plain text in
// base64, the subject RFC 2047-encoded, Message-ID from the client
// reference.
func buildEmail(o Outgoing, from *mail.Address, domain string, now time.Time, siteURL string) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", (&mail.Address{Address: o.To}).String())
	h("Subject", mime.BEncoding.Encode("UTF-8", o.Content.Title))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", MessageID(o.ClientRef, domain))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	h("Auto-Submitted", "auto-generated")
	h("X-Ecourt-Delivery", o.ClientRef)
	b.WriteString("\r\n")
	text := o.Content.Body
	if o.Content.Link != "" {
		link := o.Content.Link
		if strings.HasPrefix(link, "/") {
			link = strings.TrimSuffix(siteURL, "/") + link
		}
		text += "\n\n" + link
	}
	text = strings.ReplaceAll(text, "\n", "\r\n") + "\r\n"
	enc := base64.StdEncoding.EncodeToString([]byte(text))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// SMTPSender sends e-mail to a submission server (RFC 6409) with net/smtp:
// STARTTLS when the server offers it (required unless InsecureNoTLS), then
// AUTH PLAIN when Username is set. The server's 5xx answers are permanent
// (unknown mailbox, refused address), 4xx transient. Plain SMTP cannot be
// asked afterwards whether it took a message, so Query returns
// ErrOutcomeUnknown and a delivery interrupted by a crash goes to the
// dead-letter list instead of being sent twice.
type SMTPSender struct {
	// Addr is the server's host:port.
	Addr string
	// From is the sender, e.g. `"某某法院" <noreply@court.example.cn>`.
	From string
	// Domain is the right-hand side of Message-IDs (default From's domain).
	Domain   string
	Username string
	Password string
	// InsecureNoTLS allows sending without STARTTLS (a local relay, tests).
	InsecureNoTLS bool
	// TLSConfig for STARTTLS (default: verify the server name of Addr).
	TLSConfig *tls.Config
	// SiteURL makes site-relative links absolute ("https://court.example.cn").
	SiteURL string
	Clock   clock.Clock
}

func (s *SMTPSender) parts() (*mail.Address, string, error) {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return nil, "", PermanentError("config", fmt.Errorf("From %q: %w", s.From, err))
	}
	domain := s.Domain
	if domain == "" {
		domain = from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	}
	return from, domain, nil
}

func (s *SMTPSender) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now().UTC()
	}
	return time.Now().UTC()
}

// Send delivers o to the server; the receipt's AcceptedAt is when the
// server acknowledged the message data (250 after DATA), its ProviderID
// the Message-ID.
func (s *SMTPSender) Send(ctx context.Context, o Outgoing) (Receipt, error) {
	from, domain, err := s.parts()
	if err != nil {
		return Receipt{}, err
	}
	msg := buildEmail(o, from, domain, s.now(), s.SiteURL)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return Receipt{}, TransientError("unreachable", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return Receipt{}, smtpError(err, false)
	}
	defer c.Close()
	if err := c.Hello(domain); err != nil {
		return Receipt{}, smtpError(err, false)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return Receipt{}, smtpError(err, false)
		}
	} else if !s.InsecureNoTLS {
		return Receipt{}, TransientError("no_starttls", errors.New("the SMTP server offers no STARTTLS"))
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return Receipt{}, smtpError(err, false)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return Receipt{}, smtpError(err, false)
	}
	if err := c.Rcpt(o.To); err != nil {
		return Receipt{}, smtpError(err, false)
	}
	w, err := c.Data()
	if err != nil {
		return Receipt{}, smtpError(err, false)
	}
	if _, err := w.Write(msg); err != nil {
		return Receipt{}, smtpError(err, true)
	}
	// The server's answer to the end of data is the acceptance.
	if err := w.Close(); err != nil {
		return Receipt{}, smtpError(err, true)
	}
	at := s.now()
	_ = c.Quit()
	return Receipt{ProviderID: MessageID(o.ClientRef, domain), AcceptedAt: at}, nil
}

// smtpError classifies an SMTP failure; afterData is true once the message
// may have reached the server, where a lost answer is Unknown.
func smtpError(err error, afterData bool) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		code := fmt.Sprintf("smtp_%d", te.Code)
		if te.Code >= 500 {
			return PermanentError(code, err)
		}
		return TransientError(code, err)
	}
	if afterData {
		return UnknownError("no_answer", err)
	}
	return TransientError("smtp", err)
}

// Query cannot ask an SMTP server; see SMTPSender.
func (s *SMTPSender) Query(context.Context, string) (Receipt, error) {
	return Receipt{}, ErrOutcomeUnknown
}

// EMLSink is the development e-mail channel: each message is written as
// <Dir>/<client reference>.eml (the file a mail client opens), complete
// with headers. A repeat of the same client reference is refused, and
// Query finds a message by its file.
type EMLSink struct {
	Dir     string
	From    string // default "ecourt <noreply@ecourt.localhost>"
	SiteURL string
	Clock   clock.Clock
}

func (e *EMLSink) path(ref string) (string, error) {
	if ref == "" || strings.ContainsAny(ref, `/\.`) {
		return "", PermanentError("config", fmt.Errorf("client reference %q", ref))
	}
	return filepath.Join(e.Dir, ref+".eml"), nil
}

// Send writes the message file atomically.
func (e *EMLSink) Send(_ context.Context, o Outgoing) (Receipt, error) {
	fromS := e.From
	if fromS == "" {
		fromS = "ecourt <noreply@ecourt.localhost>"
	}
	from, err := mail.ParseAddress(fromS)
	if err != nil {
		return Receipt{}, PermanentError("config", err)
	}
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	now := time.Now().UTC()
	if e.Clock != nil {
		now = e.Clock.Now().UTC()
	}
	p, err := e.path(o.ClientRef)
	if err != nil {
		return Receipt{}, err
	}
	if err := os.MkdirAll(e.Dir, 0o750); err != nil {
		return Receipt{}, TransientError("disk", err)
	}
	tmp, err := os.CreateTemp(e.Dir, ".tmp-*")
	if err != nil {
		return Receipt{}, TransientError("disk", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buildEmail(o, from, domain, now, e.SiteURL)); err != nil {
		tmp.Close()
		return Receipt{}, TransientError("disk", err)
	}
	if err := tmp.Close(); err != nil {
		return Receipt{}, TransientError("disk", err)
	}
	// Link, not rename: a second message with the same reference fails
	// instead of replacing the first.
	if err := os.Link(tmp.Name(), p); err != nil {
		if errors.Is(err, os.ErrExist) {
			return Receipt{}, PermanentError("duplicate", err)
		}
		return Receipt{}, TransientError("disk", err)
	}
	return Receipt{ProviderID: MessageID(o.ClientRef, domain), AcceptedAt: now}, nil
}

// Query finds the file of clientRef.
func (e *EMLSink) Query(_ context.Context, clientRef string) (Receipt, error) {
	p, err := e.path(clientRef)
	if err != nil {
		return Receipt{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return Receipt{}, ErrNotAccepted
	}
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{ProviderID: clientRef, AcceptedAt: fi.ModTime().UTC()}, nil
}
