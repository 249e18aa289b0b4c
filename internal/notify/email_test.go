package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server (emersion/go-smtp) in the test process,
// with STARTTLS and AUTH PLAIN, that keeps what it receives.
type smtpServer struct {
	addr   string
	caPool *x509.CertPool
	mu     sync.Mutex
	got    []received
	reject map[string]*smtp.SMTPError // recipient → answer to RCPT
}

type received struct {
	from, to, user string
	data           []byte
}

type smtpSession struct {
	srv  *smtpServer
	user string
	from string
	to   []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "court" || password != "pw" {
			return errors.New("invalid credentials")
		}
		s.user = username
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if e := s.srv.reject[to]; e != nil {
		return e
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	for _, to := range s.to {
		s.srv.got = append(s.srv.got, received{from: s.from, to: to, user: s.user, data: b})
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	cert, pool := selfSigned(t)
	ss := &smtpServer{caPool: pool, reject: map[string]*smtp.SMTPError{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: ss}, nil }))
	srv.Domain = "mail.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = nil
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return ss
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// TestSMTPRealServer sends through STARTTLS and AUTH PLAIN to a real SMTP
// server and reads the message it received: our Message-ID (the client
// reference), the UTF-8 subject, the body with the absolute link.
func TestSMTPRealServer(t *testing.T) {
	srv := newSMTPServer(t)
	s := &SMTPSender{Addr: srv.addr, From: `"象山县人民法院" <noreply@court.example.cn>`, Username: "court", Password: "pw",
		TLSConfig: &tls.Config{RootCAs: srv.caPool, ServerName: "127.0.0.1"}, SiteURL: "https://court.example.cn"}
	c, err := Render("delivery.document_served", i18n.ZH, sample)
	if err != nil {
		t.Fatal(err)
	}
	o := Outgoing{ClientRef: "01a2b3c4-0000-7000-8000-000000000001", To: "party@example.cn", Lang: i18n.ZH, Content: c}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := s.Send(ctx, o)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if rc.ProviderID != "<01a2b3c4-0000-7000-8000-000000000001@court.example.cn>" || rc.AcceptedAt.IsZero() {
		t.Errorf("receipt %+v", rc)
	}
	got := srv.received()
	if len(got) != 1 || got[0].to != "party@example.cn" || got[0].from != "noreply@court.example.cn" || got[0].user != "court" {
		t.Fatalf("server received %+v", got)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if id := msg.Header.Get("Message-ID"); id != rc.ProviderID || !strings.Contains(id, o.ClientRef) {
		t.Errorf("Message-ID %q, want our client reference %s", id, o.ClientRef)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != c.Title {
		t.Errorf("Subject %q (%v), want %q", subject, err, c.Title)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "象山县人民法院" {
		t.Errorf("From %v, %v", from, err)
	}
	body, _ := io.ReadAll(msg.Body)
	text, err := decodeBase64Lines(body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "《民事判决书》") || !strings.Contains(text, "https://court.example.cn/cases/c-1") {
		t.Errorf("body %q", text)
	}

	// The server's answers decide the kind.
	srv.reject["gone@example.cn"] = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	srv.reject["busy@example.cn"] = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
	for _, tt := range []struct {
		to   string
		kind Kind
		code string
	}{{"gone@example.cn", Permanent, "smtp_550"}, {"busy@example.cn", Transient, "smtp_451"}} {
		o.To = tt.to
		_, err := s.Send(ctx, o)
		if k, code := Classify(err); k != tt.kind || code != tt.code {
			t.Errorf("%s: %v (%v %s)", tt.to, err, k, code)
		}
	}
	if _, err := (&SMTPSender{Addr: srv.addr, From: "a@b.cn", Username: "court", Password: "wrong",
		TLSConfig: &tls.Config{RootCAs: srv.caPool}}).Send(ctx, o); err == nil {
		t.Error("wrong password accepted")
	}
	// Without STARTTLS on offer and without InsecureNoTLS, nothing is sent.
	plain := newPlainSMTP(t)
	if _, err := (&SMTPSender{Addr: plain, From: "a@b.cn"}).Send(ctx, o); err == nil {
		t.Error("sent in clear text")
	}
	if _, err := s.Query(ctx, o.ClientRef); !errors.Is(err, ErrOutcomeUnknown) {
		t.Errorf("Query = %v", err)
	}
}

func newPlainSMTP(t *testing.T) string {
	ss := &smtpServer{reject: map[string]*smtp.SMTPError{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: ss, user: "x"}, nil }))
	srv.Domain = "plain.test"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

func decodeBase64Lines(b []byte) (string, error) {
	var out bytes.Buffer
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\r\n") {
		out.WriteString(line)
	}
	dec, err := base64.StdEncoding.DecodeString(out.String())
	return string(dec), err
}

func TestEMLSink(t *testing.T) {
	dir := t.TempDir()
	s := &EMLSink{Dir: dir}
	ctx := context.Background()
	o := Outgoing{ClientRef: "d-1", To: "a@example.cn", Content: Content{Title: "标题", Body: "正文"}}
	if _, err := s.Query(ctx, "d-1"); !errors.Is(err, ErrNotAccepted) {
		t.Fatalf("Query before = %v", err)
	}
	rc, err := s.Send(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if q, err := s.Query(ctx, "d-1"); err != nil || q.AcceptedAt.IsZero() {
		t.Errorf("Query after = %+v, %v (sent %+v)", q, err, rc)
	}
	if _, err := s.Send(ctx, o); err == nil {
		t.Error("the same client reference was written twice")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 1 {
		t.Errorf("files %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "d-1.eml"))
	if _, err := mail.ReadMessage(bytes.NewReader(b)); err != nil {
		t.Errorf("not a mail message: %v", err)
	}
}
