package app

import (
	"context"
	"net/http"
	"testing"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// TestHearingRoomOnEmbeddedVideo runs an online hearing on the embedded
// LiveKit server, started on free loopback ports at the first use: the
// judge and the plaintiff enter (identity re-checked, the plaintiff to the
// waiting room), connect to the media server with the tokens they were
// given, the judge admits the plaintiff (who may then subscribe), opens the
// session (a mark on the record), removes the plaintiff (disconnected by the
// server) and closes the session.
func TestHearingRoomOnEmbeddedVideo(t *testing.T) {
	t.Parallel()
	clk := clock.NewFixed(time.Now())
	ta := startApp(t, testConfig(t, true), WithClock(clk))
	ctx := context.Background()
	var caseID, plaintiff string
	if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_party WHERE case_id = ? AND role = 'plaintiff'`, caseID).Scan(&plaintiff); err != nil {
		t.Fatal(err)
	}
	judge := newClient(t, ta.URL)
	judge = judge.withToken(loginAPI(t, judge, "judge", DemoPassword))
	lit := newClient(t, ta.URL)
	lit = lit.withToken(loginAPI(t, lit, "litigant", DemoPassword))

	start := clk.Now().AddDate(0, 0, 4)
	r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", map[string]any{"starts_at": start, "duration_minutes": 60,
		"courtroom": "第三法庭", "public": true, "modes": map[string]string{plaintiff: "online"}}), http.StatusCreated)
	h := decode[struct {
		ID string `json:"id"`
	}](t, r)
	clk.Set(start.Add(-20 * time.Minute)) // the room opens an hour before

	type entry struct {
		URL, Token, Identity, State string
	}
	enter := func(c *client) entry {
		t.Helper()
		return decode[entry](t, must(t, c.do("POST", "/api/v1/hearings/"+h.ID+"/enter", nil), http.StatusOK))
	}
	je := enter(judge)
	le := enter(lit)
	if le.State != "waiting" || je.URL == "" || je.Token == "" {
		t.Fatalf("entries: judge %+v, plaintiff %+v", je, le)
	}
	disconnected := make(chan struct{}, 1)
	cb := lksdk.NewRoomCallback()
	cb.OnDisconnected = func() { disconnected <- struct{}{} }
	cb.OnDisconnectedWithReason = func(lksdk.DisconnectionReason) {
		select {
		case disconnected <- struct{}{}:
		default:
		}
	}
	jr, err := lksdk.ConnectToRoomWithToken(je.URL, je.Token, lksdk.NewRoomCallback())
	if err != nil {
		t.Fatalf("judge connects: %v", err)
	}
	defer jr.Disconnect()
	lr, err := lksdk.ConnectToRoomWithToken(le.URL, le.Token, cb)
	if err != nil {
		t.Fatalf("plaintiff connects: %v", err)
	}
	defer lr.Disconnect()
	if lr.LocalParticipant.Permissions().GetCanSubscribe() {
		t.Errorf("the plaintiff can subscribe from the waiting room")
	}
	control := func(action, target string) {
		t.Helper()
		must(t, judge.do("POST", "/api/v1/hearings/"+h.ID+"/controls", map[string]any{"action": action, "target": target}), http.StatusOK)
	}
	control("admit", le.Identity)
	waitFor(t, "the plaintiff may subscribe once admitted", func() bool { return lr.LocalParticipant.Permissions().GetCanSubscribe() })
	control("open", "")
	waitFor(t, "the opening on the record", func() bool {
		var n int
		ta.DB.QueryRow(ctx, `SELECT COUNT(*) FROM transcript_entry WHERE hearing_id = ? AND text = 'open'`, h.ID).Scan(&n)
		return n > 0
	})
	control("remove", le.Identity)
	select {
	case <-disconnected:
	case <-time.After(15 * time.Second):
		t.Error("the removed plaintiff was not disconnected")
	}
	control("close", "")
	// A party cannot control the room.
	if r := lit.do("POST", "/api/v1/hearings/"+h.ID+"/controls", map[string]any{"action": "close"}); r.StatusCode != http.StatusForbidden {
		t.Errorf("a party's control: %s", r)
	}
}

// waitFor polls cond for up to 15 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
