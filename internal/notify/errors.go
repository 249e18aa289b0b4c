package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
)

// Kind classifies a provider's failure, which decides what the dispatcher
// does next.
type Kind int

const (
	// Transient: the provider did not take the message and may later
	// (outage, rate limit, 5xx, connection refused). The channel falls
	// back to its next provider; the delivery is retried with backoff.
	Transient Kind = iota
	// Permanent: the message can never be delivered as addressed (invalid
	// number, unknown mailbox, 4xx from a webhook). No fallback, no retry:
	// the delivery goes to the dead-letter list.
	Permanent
	// Unknown: the request may or may not have been taken (a timeout after
	// it was sent). The provider is asked by client reference before
	// anything else happens; nothing is resent while the answer is unknown.
	Unknown
)

func (k Kind) String() string {
	switch k {
	case Permanent:
		return "permanent"
	case Unknown:
		return "unknown"
	}
	return "transient"
}

// SendError is a classified provider failure. Code is a short machine code
// ("invalid_number", "rate_limited", "outage", "http_503", …) shown in the
// delivery status and the dead-letter list.
type SendError struct {
	Kind Kind
	Code string
	Err  error
}

func (e *SendError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s (%s): %v", e.Code, e.Kind, e.Err)
	}
	return fmt.Sprintf("%s (%s)", e.Code, e.Kind)
}

func (e *SendError) Unwrap() error { return e.Err }

// PermanentError returns a permanent SendError.
func PermanentError(code string, err error) error {
	return &SendError{Kind: Permanent, Code: code, Err: err}
}

// TransientError returns a transient SendError.
func TransientError(code string, err error) error {
	return &SendError{Kind: Transient, Code: code, Err: err}
}

// UnknownError returns a SendError whose outcome is unknown.
func UnknownError(code string, err error) error {
	return &SendError{Kind: Unknown, Code: code, Err: err}
}

// ErrNotAccepted is what a provider's Query returns for a client reference
// it never accepted: the message can be sent without risk of a duplicate.
var ErrNotAccepted = errors.New("notify: the provider has no message with this client reference")

// ErrOutcomeUnknown is what Query returns when the provider cannot be asked
// (plain SMTP): a delivery left "sending" by a crash then goes to the
// dead-letter list for an administrator to decide, rather than being sent
// again blindly.
var ErrOutcomeUnknown = errors.New("notify: the provider cannot be asked whether it accepted the message")

// Classify returns the kind and code of a send error: a SendError's own;
// a cancelled or timed-out context or a network error after the request
// was sent is Unknown ("timeout"); a refused connection is Transient
// ("unreachable"); anything else is Transient ("error").
func Classify(err error) (Kind, string) {
	var se *SendError
	if errors.As(err, &se) {
		return se.Kind, se.Code
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Unknown, "timeout"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return Transient, "unreachable"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Unknown, "timeout"
	}
	return Transient, "error"
}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalisePhone returns the 11-digit mainland mobile number in s
// ("13800001234", "+86 138 0000 1234", "0086-13800001234"), or false.
func NormalisePhone(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	for _, p := range []string{"+86", "0086"} {
		s = strings.TrimPrefix(s, p)
	}
	if !mobileRE.MatchString(s) {
		return "", false
	}
	return s, true
}

// checkAddress validates and normalises an explicit address.
func checkAddress(ch Channel, to string) (string, bool) {
	switch ch {
	case SMS:
		return NormalisePhone(to)
	case Email:
		a, err := mail.ParseAddress(to)
		if err != nil || a.Name != "" || strings.ContainsAny(a.Address, "\r\n") {
			return "", false
		}
		return a.Address, true
	case Webhook:
		u, err := url.Parse(to)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
			return "", false
		}
		return u.String(), true
	}
	return "", false
}
