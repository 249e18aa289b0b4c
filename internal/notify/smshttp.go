package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTPSMS is an SMSProvider for a gateway with a JSON API of the common
// shape (the one DevSMS.Handler serves):
//
//	POST {URL}/messages {"client_ref","phone","text"} → 2xx {"id","accepted_at"}
//	GET  {URL}/messages?client_ref=…                  → 200 {"id","accepted_at"} | 404
//
// A 4xx answer other than 408 and 429 is permanent (the code in the body's
// "code" is kept); 408, 429 and 5xx are transient; a request that got no
// answer is unknown unless the connection was refused.
type HTTPSMS struct {
	// ProviderName names the gateway in receipts and logs.
	ProviderName string
	// URL is the gateway's base URL.
	URL string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token  string
	Client *http.Client
}

// Name returns the provider's name.
func (h *HTTPSMS) Name() string { return h.ProviderName }

func (h *HTTPSMS) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return http.DefaultClient
}

// Send posts m to the gateway.
func (h *HTTPSMS) Send(ctx context.Context, m TextMessage) (Receipt, error) {
	body, _ := json.Marshal(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(h.URL, "/")+"/messages", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, PermanentError("config", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return h.do(req)
}

// Query asks the gateway for clientRef.
func (h *HTTPSMS) Query(ctx context.Context, clientRef string) (Receipt, error) {
	u := strings.TrimSuffix(h.URL, "/") + "/messages?client_ref=" + url.QueryEscape(clientRef)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Receipt{}, err
	}
	rc, err := h.do(req)
	var se *SendError
	if err != nil && asSendError(err, &se) && se.Code == "http_404" {
		return Receipt{}, ErrNotAccepted
	}
	return rc, err
}

func (h *HTTPSMS) do(req *http.Request) (Receipt, error) {
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		kind, code := Classify(err)
		if kind == Transient && code == "error" {
			kind, code = Unknown, "no_answer" // sent, but no answer came back
		}
		return Receipt{}, &SendError{Kind: kind, Code: code, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		var r devReceipt
		if err := json.Unmarshal(b, &r); err != nil || r.ID == "" {
			return Receipt{}, UnknownError("bad_answer", fmt.Errorf("gateway answered %q", b))
		}
		if r.AcceptedAt.IsZero() {
			r.AcceptedAt = time.Now().UTC()
		}
		return Receipt{Provider: h.ProviderName, ProviderID: r.ID, AcceptedAt: r.AcceptedAt.UTC()}, nil
	}
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &e)
	code := e.Code
	if code == "" || resp.StatusCode == http.StatusNotFound {
		code = fmt.Sprintf("http_%d", resp.StatusCode)
	}
	err = fmt.Errorf("gateway answered %s", resp.Status)
	switch {
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return Receipt{}, TransientError(code, err)
	default:
		return Receipt{}, PermanentError(code, err)
	}
}

func asSendError(err error, target **SendError) bool {
	se, ok := err.(*SendError)
	if ok {
		*target = se
	}
	return ok
}
