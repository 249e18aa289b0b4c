// Package sandbox is the built-in payment gateway for demos and tests. It
// behaves like the real ones (UnionPay, WeChat Pay, Alipay): an order opened
// by CreatePayment is paid on a hosted cashier page (/sandbox-pay/{ref},
// served by the app) where a person presses Pay or Fail, or by scanning the
// QR code that points at the same page; the outcome is POSTed
// asynchronously to the merchant's notify URL, signed with HMAC-SHA256 over
// timestamp, nonce and body (headers X-Sandbox-Timestamp, X-Sandbox-Nonce,
// X-Sandbox-Signature); notifications are retried until acknowledged and
// may be sent more than once (Duplicates) or, when held (Manual), in any
// order; refunds answer synchronously ("processing") and confirm by a
// callback. Failures are configurable (DeclineCreate, DeclineRefund,
// FailRefunds).
//
// The same value is both sides: the provider (cashier, notifications) and
// the merchant's adapter (fees.Gateway: CreatePayment, Refund,
// VerifyCallback), which share the secret as a real merchant and provider
// share their keys.
package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// The signature headers.
const (
	HeaderTimestamp = "X-Sandbox-Timestamp"
	HeaderNonce     = "X-Sandbox-Nonce"
	HeaderSignature = "X-Sandbox-Signature"
)

// Name is the gateway name the app registers the sandbox under.
const Name = "sandbox"

//go:embed templates
var templatesFS embed.FS

// Templates holds the cashier page ("sandbox/cashier" under the namespace
// "sandbox").
var Templates fs.FS = mustSub(templatesFS, "templates")

//go:embed messages
var messagesFS embed.FS

// Messages is the cashier's message bundle.
var Messages fs.FS = mustSub(messagesFS, "messages")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Options configure the sandbox.
type Options struct {
	// Secret is the HMAC key shared with the merchant side. Required.
	Secret []byte
	// Client posts the notifications (default: 10-second timeout).
	Client *http.Client
	// Clock stamps notifications (default: system clock).
	Clock clock.Clock
	// Manual holds every notification until Deliver is called, so tests
	// choose order and repetition. Otherwise notifications are sent at
	// once in the background, retried with RetryDelays until answered 2xx.
	Manual bool
	// Duplicates sends every acknowledged notification this many more
	// times (each with a fresh timestamp and nonce), as gateways do when an
	// acknowledgement is slow.
	Duplicates int
	// RetryDelays are the waits between delivery attempts (default 1 s,
	// 5 s, 30 s).
	RetryDelays []time.Duration
	// DeclineCreate makes CreatePayment fail (the provider is down).
	DeclineCreate bool
	// DeclineRefund makes Refund fail synchronously.
	DeclineRefund bool
	// FailRefunds makes refunds accepted but then fail (callback
	// "refund_failed").
	FailRefunds bool
}

// Notification is a notification waiting to be delivered.
type Notification struct {
	URL  string
	Body []byte
}

type order struct {
	ref, orderID, description, notifyURL, returnURL string
	amount                                          money.Fen
	paid                                            bool
	paidAt                                          time.Time
}

// Sandbox is the sandbox gateway. It is safe for concurrent use.
type Sandbox struct {
	opts   Options
	mu     sync.Mutex
	orders map[string]*order // by gateway ref
	held   []Notification
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// New returns a sandbox gateway.
func New(opts Options) *Sandbox {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Clock == nil {
		opts.Clock = clock.System{}
	}
	if opts.RetryDelays == nil {
		opts.RetryDelays = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Sandbox{opts: opts, orders: map[string]*order{}, ctx: ctx, cancel: cancel}
}

// Wait waits until every background delivery has been acknowledged or
// has given up (after its retries).
func (s *Sandbox) Wait() { s.wg.Wait() }

// Close stops background deliveries and waits for them.
func (s *Sandbox) Close() {
	s.cancel()
	s.wg.Wait()
}

var _ fees.Gateway = (*Sandbox)(nil)

// CreatePayment opens an order. PayURL is the cashier page, on the host of
// the notify URL (the app serves both); QRContent the same absolute URL.
func (s *Sandbox) CreatePayment(ctx context.Context, req fees.PaymentRequest) (fees.Payment, error) {
	if s.opts.DeclineCreate {
		return fees.Payment{}, errors.New("sandbox: payment declined (configured)")
	}
	if req.OrderID == "" || req.AmountFen <= 0 {
		return fees.Payment{}, errors.New("sandbox: order ID and a positive amount are required")
	}
	ref := "SBX" + randHex(10)
	s.mu.Lock()
	s.orders[ref] = &order{ref: ref, orderID: req.OrderID, description: req.Description, notifyURL: req.NotifyURL,
		returnURL: req.ReturnURL, amount: req.AmountFen}
	s.mu.Unlock()
	path := "/sandbox-pay/" + ref
	abs := path
	if u, err := url.Parse(req.NotifyURL); err == nil && u.Host != "" {
		abs = u.Scheme + "://" + u.Host + path
	}
	return fees.Payment{OrderID: req.OrderID, GatewayRef: ref, PayURL: abs, QRContent: abs}, nil
}

// Refund accepts a refund of a paid order and confirms it later by a
// callback ("refunded", or "refund_failed" with FailRefunds).
func (s *Sandbox) Refund(ctx context.Context, req fees.RefundRequest) (fees.RefundResult, error) {
	if s.opts.DeclineRefund {
		return fees.RefundResult{}, errors.New("sandbox: refund declined (configured)")
	}
	s.mu.Lock()
	o, ok := s.orders[req.GatewayRef]
	s.mu.Unlock()
	if !ok || !o.paid || req.AmountFen <= 0 || req.AmountFen > o.amount {
		return fees.RefundResult{}, errors.New("sandbox: no such paid order, or a bad amount")
	}
	ref := "SBR" + randHex(10)
	status := fees.CallbackRefunded
	if s.opts.FailRefunds {
		status = fees.CallbackRefundFailed
	}
	s.notify(req.NotifyURL, callbackBody{OrderID: req.OrderID, GatewayRef: ref, Status: status, AmountFen: req.AmountFen, RefundID: req.RefundID})
	return fees.RefundResult{GatewayRef: ref, Status: fees.RefundProcessing}, nil
}

// callbackBody is the JSON body of a notification.
type callbackBody struct {
	OrderID    string              `json:"order_id"`
	GatewayRef string              `json:"gateway_ref"`
	Status     fees.CallbackStatus `json:"status"`
	AmountFen  money.Fen           `json:"amount_fen"`
	PaidAt     *time.Time          `json:"paid_at,omitempty"`
	RefundID   string              `json:"refund_id,omitempty"`
}

// VerifyCallback checks the HMAC signature over timestamp, nonce and body
// and parses the notification. A missing or wrong signature is
// errs.Unauthenticated.
func (s *Sandbox) VerifyCallback(ctx context.Context, header http.Header, body []byte) (fees.Callback, error) {
	ts, nonce, sig := header.Get(HeaderTimestamp), header.Get(HeaderNonce), header.Get(HeaderSignature)
	if ts == "" || nonce == "" || sig == "" {
		return fees.Callback{}, errs.New(errs.Unauthenticated, "fees.error.callback_signature")
	}
	want := Sign(s.opts.Secret, ts, nonce, body)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return fees.Callback{}, errs.New(errs.Unauthenticated, "fees.error.callback_signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fees.Callback{}, errs.New(errs.Unauthenticated, "fees.error.callback_signature")
	}
	var cb callbackBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cb); err != nil {
		return fees.Callback{}, errs.Wrap(errs.Invalid, "fees.error.callback_status", err)
	}
	out := fees.Callback{OrderID: cb.OrderID, GatewayRef: cb.GatewayRef, Status: cb.Status, AmountFen: cb.AmountFen,
		RefundID: cb.RefundID, Nonce: nonce, SentAt: time.Unix(sec, 0).UTC()}
	if cb.PaidAt != nil {
		out.PaidAt = cb.PaidAt.UTC()
	}
	return out, nil
}

// Sign returns the signature of a notification: lowercase hex of
// HMAC-SHA256(secret, timestamp + "\n" + nonce + "\n" + body + "\n").
func Sign(secret []byte, timestamp, nonce string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp + "\n" + nonce + "\n"))
	m.Write(body)
	m.Write([]byte("\n"))
	return hex.EncodeToString(m.Sum(nil))
}

// SignedRequest builds the signed POST of a notification with a fresh
// timestamp and nonce, as the provider sends it.
func (s *Sandbox) SignedRequest(ctx context.Context, n Notification) (*http.Request, error) {
	ts := strconv.FormatInt(s.opts.Clock.Now().Unix(), 10)
	nonce := randHex(16)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(n.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, nonce)
	req.Header.Set(HeaderSignature, Sign(s.opts.Secret, ts, nonce, n.Body))
	return req, nil
}

// Pay settles the order ref as the cashier's Pay button does and queues
// the "paid" notification. Paying an order twice changes nothing.
func (s *Sandbox) Pay(ref string) error {
	s.mu.Lock()
	o, ok := s.orders[ref]
	if !ok {
		s.mu.Unlock()
		return errs.New(errs.NotFound, "sandbox.error.no_order")
	}
	if o.paid {
		s.mu.Unlock()
		return nil
	}
	o.paid, o.paidAt = true, s.opts.Clock.Now().UTC().Truncate(time.Second)
	body := callbackBody{OrderID: o.orderID, GatewayRef: o.ref, Status: fees.CallbackPaid, AmountFen: o.amount, PaidAt: &o.paidAt}
	s.mu.Unlock()
	s.notify(o.notifyURL, body)
	return nil
}

// Fail records a failed attempt (card declined) on the order ref and
// queues the "failed" notification; the order stays open, so the person
// may try again.
func (s *Sandbox) Fail(ref string) error {
	s.mu.Lock()
	o, ok := s.orders[ref]
	s.mu.Unlock()
	if !ok {
		return errs.New(errs.NotFound, "sandbox.error.no_order")
	}
	if o.paid {
		return nil
	}
	s.notify(o.notifyURL, callbackBody{OrderID: o.orderID, GatewayRef: o.ref, Status: fees.CallbackFailed, AmountFen: o.amount})
	return nil
}

func (s *Sandbox) notify(u string, body callbackBody) {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // a plain struct always marshals
	}
	n := Notification{URL: u, Body: b}
	if s.opts.Manual {
		s.mu.Lock()
		s.held = append(s.held, n)
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.deliverWithRetries(n)
	}()
}

func (s *Sandbox) deliverWithRetries(n Notification) {
	sent := 0
	for attempt := 0; ; attempt++ {
		status, err := s.Deliver(s.ctx, n)
		if err == nil && status/100 == 2 {
			sent++
			if sent > s.opts.Duplicates {
				return
			}
			continue
		}
		if attempt >= len(s.opts.RetryDelays) {
			return
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(s.opts.RetryDelays[attempt]):
		}
	}
}

// Held returns, and forgets, the notifications held in Manual mode, in
// the order they were produced.
func (s *Sandbox) Held() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.held
	s.held = nil
	return out
}

// Deliver signs n freshly and POSTs it, returning the HTTP status.
func (s *Sandbox) Deliver(ctx context.Context, n Notification) (int, error) {
	req, err := s.SignedRequest(ctx, n)
	if err != nil {
		return 0, err
	}
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// order returns a copy of the order ref.
func (s *Sandbox) order(ref string) (order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[ref]
	if !ok {
		return order{}, false
	}
	return *o, true
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("sandbox: random: %v", err))
	}
	return hex.EncodeToString(b)
}
