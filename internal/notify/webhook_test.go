package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// hookServer is a webhook receiver that verifies every call and can be
// told to fail.
type hookServer struct {
	*httptest.Server
	secret []byte
	mu     sync.Mutex
	calls  []WebhookBody
	bad    int
	status []int // answers to give, in order; then 200
}

func newHookServer(t *testing.T, secret []byte) *hookServer {
	h := &hookServer{secret: secret}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := VerifyWebhook(h.secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if len(h.status) > 0 {
			st := h.status[0]
			h.status = h.status[1:]
			w.WriteHeader(st)
			return
		}
		var b WebhookBody
		_ = json.Unmarshal(body, &b)
		if b.DeliveryID != r.Header.Get(HeaderDelivery) {
			h.bad++
		}
		h.calls = append(h.calls, b)
		w.Header().Set("X-Request-Id", "rcv-"+strconv.Itoa(len(h.calls)))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

func TestWebhookSignature(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"delivery_id":"d-1"}`)
	ts := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	sig := SignWebhook(secret, ts.Unix(), body)
	// Computed independently:
	// printf '%s' '1772416800.{"delivery_id":"d-1"}' | openssl dgst -sha256 -hmac s3cret
	if want := "v1=fecb4c634488b068475afbd36c2196f36c3066fa4481f7553d02e243ee835eb8"; sig != want {
		t.Fatalf("signature %q, want %q", sig, want)
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	if err := VerifyWebhook(secret, h, body, ts.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatalf("authentic call refused: %v", err)
	}
	tampered := []byte(`{"delivery_id":"d-2"}`)
	if VerifyWebhook(secret, h, tampered, ts, 5*time.Minute) == nil {
		t.Error("a changed body verified")
	}
	if VerifyWebhook([]byte("other"), h, body, ts, 5*time.Minute) == nil {
		t.Error("another secret verified")
	}
	if VerifyWebhook(secret, h, body, ts.Add(time.Hour), 5*time.Minute) == nil {
		t.Error("a replay an hour later verified")
	}
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix()+1, 10))
	if VerifyWebhook(secret, h, body, ts, 5*time.Minute) == nil {
		t.Error("a changed timestamp verified")
	}
}

func TestWebhookSenderClassifies(t *testing.T) {
	secret := []byte("webhook-secret")
	hook := newHookServer(t, secret)
	s := &WebhookSender{Secret: secret, AllowHTTP: true}
	o := Outgoing{ClientRef: "d-1", MessageID: "m-1", To: hook.URL, Lang: i18n.EN, Content: Content{Title: "t", Body: "b"}}
	ctx := context.Background()
	for _, tt := range []struct {
		status int
		kind   Kind
	}{{500, Transient}, {503, Transient}, {429, Transient}, {408, Transient}, {400, Permanent}, {404, Permanent}, {410, Permanent}} {
		hook.mu.Lock()
		hook.status = []int{tt.status}
		hook.mu.Unlock()
		_, err := s.Send(ctx, o)
		if k, code := Classify(err); err == nil || k != tt.kind || code != "http_"+strconv.Itoa(tt.status) {
			t.Errorf("answer %d: %v (%v), want %v", tt.status, err, k, tt.kind)
		}
	}
	rc, err := s.Send(ctx, o)
	if err != nil || rc.ProviderID != "rcv-1" {
		t.Fatalf("Send = %+v, %v", rc, err)
	}
	if hook.bad != 0 {
		t.Errorf("%d calls failed verification", hook.bad)
	}
	// A timeout is retried (transient), never given up at once.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	o.To = slow.URL
	if _, err := s.Send(tctx, o); err == nil {
		t.Error("a timed-out call succeeded")
	} else if k, _ := Classify(err); k != Transient {
		t.Errorf("timeout classified %v, want transient", k)
	}
	o.To = "http://example.com/x"
	if _, err := (&WebhookSender{Secret: secret}).Send(ctx, o); err == nil {
		t.Error("http:// accepted without AllowHTTP")
	}
}

// TestWebhookRetriesThenDelivers: 5xx answers are retried with backoff
// until the receiver takes the call; a 4xx is a dead letter at once.
func TestWebhookRetriesThenDelivers(t *testing.T) {
	f := newFixture(t, openSQLite(t), fixtureOpts{})
	hook := newHookServer(t, []byte("webhook-secret"))
	hook.status = []int{502, 503}
	f.dir["u-zh"] = Contact{WebhookURL: hook.URL}
	m := Message{ID: "w-1", Ref: "r", Recipients: []string{"u-zh"}, Channels: []Channel{Webhook}, Template: "platform.announcement", Data: sample}
	f.enqueue(t, m)
	d := f.waitStatus(t, m.ID, Webhook, "u-zh", StatusSent)
	if d.Attempts != 3 || d.ProviderMessageID != "rcv-1" || hook.count() != 1 {
		t.Errorf("delivery %+v after 2 failures; %d calls", d, hook.count())
	}
	hook.mu.Lock()
	hook.status = []int{400}
	hook.mu.Unlock()
	m.ID = "w-2"
	f.enqueue(t, m)
	d = f.waitStatus(t, m.ID, Webhook, "u-zh", StatusDead)
	if d.Attempts != 1 || d.ErrorCode != "http_400" {
		t.Errorf("delivery after a 400: %+v", d)
	}
}
