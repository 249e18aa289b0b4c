package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// Webhook headers. The signature is HMAC-SHA256, keyed with the shared
// secret, over "<timestamp>.<body>" (the timestamp in Unix seconds, the
// body as sent), in lowercase hex: "X-Ecourt-Signature: v1=<hex>". A
// receiver recomputes it (VerifyWebhook), rejects timestamps too far from
// its clock (replay), and deduplicates by X-Ecourt-Delivery, which stays
// the same when a delivery is retried.
const (
	HeaderDelivery  = "X-Ecourt-Delivery"
	HeaderTimestamp = "X-Ecourt-Timestamp"
	HeaderSignature = "X-Ecourt-Signature"
)

// WebhookBody is the JSON a webhook receives.
type WebhookBody struct {
	DeliveryID string            `json:"delivery_id"`
	MessageID  string            `json:"message_id"`
	Ref        string            `json:"ref,omitempty"`
	Template   string            `json:"template"`
	Language   string            `json:"language"`
	Recipient  string            `json:"recipient,omitempty"`
	CourtID    string            `json:"court_id,omitempty"`
	CaseID     string            `json:"case_id,omitempty"`
	Title      string            `json:"title"`
	Body       string            `json:"body"`
	Link       string            `json:"link,omitempty"`
	Data       map[string]string `json:"data"`
	SentAt     time.Time         `json:"sent_at"`
}

// WebhookSender posts signed JSON to the recipient's URL. A 2xx answer is
// acceptance; 408, 429, 5xx, timeouts and refused connections are
// transient (retried with backoff); any other 4xx is permanent (the
// receiver refuses it; dead letter). A webhook has no query API: Query
// answers ErrNotAccepted, so a delivery interrupted by a crash is posted
// again with the same X-Ecourt-Delivery, which the receiver must
// deduplicate (the webhook contract, stated in the API documentation).
type WebhookSender struct {
	// Secret signs every call (required).
	Secret []byte
	// AllowHTTP permits http:// URLs (development); otherwise only https.
	AllowHTTP bool
	Client    *http.Client
	Clock     clock.Clock
}

func (s *WebhookSender) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now().UTC()
	}
	return time.Now().UTC()
}

// SignWebhook returns the X-Ecourt-Signature value for body at ts.
func SignWebhook(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhook checks a received webhook: the signature in h over body
// with secret, and a timestamp within tolerance of now. It returns nil
// when the call is authentic and fresh.
func VerifyWebhook(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return errors.New("notify: webhook without a valid timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("notify: webhook timestamp outside the tolerance")
	}
	want := SignWebhook(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(HeaderSignature))) {
		return errors.New("notify: webhook signature does not match")
	}
	return nil
}

// Send posts o to o.To.
func (s *WebhookSender) Send(ctx context.Context, o Outgoing) (Receipt, error) {
	if len(s.Secret) == 0 {
		return Receipt{}, PermanentError("config", errors.New("webhook secret not set"))
	}
	u, err := url.Parse(o.To)
	if err != nil || (u.Scheme != "https" && !(s.AllowHTTP && u.Scheme == "http")) {
		return Receipt{}, PermanentError("bad_url", fmt.Errorf("webhook URL %q", o.To))
	}
	now := s.now()
	body, err := json.Marshal(WebhookBody{
		DeliveryID: o.ClientRef, MessageID: o.MessageID, Ref: o.Ref, Template: o.Template, Language: string(o.Lang),
		Recipient: o.Recipient, CourtID: o.CourtID, CaseID: o.CaseID, Title: o.Content.Title, Body: o.Content.Body,
		Link: o.Content.Link, Data: o.Data, SentAt: now,
	})
	if err != nil {
		return Receipt{}, PermanentError("encode", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return Receipt{}, PermanentError("bad_url", err)
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ecourt-webhook/1")
	req.Header.Set(HeaderDelivery, o.ClientRef)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, SignWebhook(s.Secret, ts, body))
	client := s.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(req)
	if err != nil {
		_, code := Classify(err)
		return Receipt{}, TransientError(code, err) // retried; the receiver deduplicates
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	code := fmt.Sprintf("http_%d", resp.StatusCode)
	switch {
	case resp.StatusCode/100 == 2:
		return Receipt{ProviderID: strings.TrimSpace(resp.Header.Get("X-Request-Id")), AcceptedAt: s.now()}, nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return Receipt{}, TransientError(code, fmt.Errorf("webhook answered %s", resp.Status))
	default:
		return Receipt{}, PermanentError(code, fmt.Errorf("webhook answered %s", resp.Status))
	}
}

// Query: a webhook cannot be asked; see WebhookSender.
func (s *WebhookSender) Query(context.Context, string) (Receipt, error) {
	return Receipt{}, ErrNotAccepted
}
