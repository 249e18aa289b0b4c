package video

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/livekit/protocol/livekit"
	"google.golang.org/protobuf/proto"
)

// bareJoin joins room with a bare signalling connection (no media) and returns it
// after the server's join response.
func bareJoin(t *testing.T, ctx context.Context, s *Server, room, identity string) *websocket.Conn {
	t.Helper()
	tok, err := s.Token(Grant{Room: room, Identity: identity, CanPublish: true, CanSubscribe: true})
	if err != nil {
		t.Fatal(err)
	}
	u := s.URL() + "/rtc?" + url.Values{"access_token": {tok}, "protocol": {"16"}, "auto_subscribe": {"1"}}.Encode()
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	_, msg, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var res livekit.SignalResponse
	if err := proto.Unmarshal(msg, &res); err != nil || res.GetJoin() == nil {
		t.Fatalf("first signal message %v, %v; want a join response", &res, err)
	}
	return conn
}

// TestDepartures tells a network drop from a leave (Art. 25): a participant whose
// connection drops without a leave message (a phone losing its network) is reported
// as a technical interruption; one who leaves is not.
func TestDepartures(t *testing.T) {
	s := startTestServer(t, Config{})
	events := collect(s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const room = "departures"
	if err := s.CreateRoom(ctx, room, RoomOptions{}); err != nil {
		t.Fatal(err)
	}

	dropped := bareJoin(t, ctx, s, room, "fisherman")
	dropped.UnderlyingConn().Close() // no leave request

	leaving := bareJoin(t, ctx, s, room, "lawyer")
	leave, err := proto.Marshal(&livekit.SignalRequest{Message: &livekit.SignalRequest_Leave{Leave: &livekit.LeaveRequest{
		Reason: livekit.DisconnectReason_CLIENT_INITIATED, Action: livekit.LeaveRequest_DISCONNECT,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := leaving.WriteMessage(websocket.BinaryMessage, leave); err != nil {
		t.Fatal(err)
	}
	// A polite client waits for the server to close the connection after its leave;
	// one that closes at once may be reported as SIGNAL_CLOSE (see Event.Interrupted).
	_ = leaving.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := leaving.ReadMessage(); err != nil {
			break
		}
	}
	leaving.Close()

	for identity, want := range map[string]bool{"fisherman": true, "lawyer": false} {
		waitFor(t, "participant_left for "+identity, func() bool { _, ok := events.find(Left, identity); return ok })
		e, _ := events.find(Left, identity)
		if e.Interrupted != want || e.Room != room {
			t.Errorf("%s: event %+v, want Interrupted=%v", identity, e, want)
		}
	}
}

// TestReplacedConnection: a page that reconnects with a fresh token
// replaces its old connection (same identity); the old one's end is not a
// departure of the person, so Events reports no Left for it. The only Left
// is the one of the final, deliberate leave.
func TestReplacedConnection(t *testing.T) {
	s := startTestServer(t, Config{})
	events := collect(s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const room = "replaced"
	if err := s.CreateRoom(ctx, room, RoomOptions{}); err != nil {
		t.Fatal(err)
	}
	old := bareJoin(t, ctx, s, room, "plaintiff")
	defer old.Close()
	fresh := bareJoin(t, ctx, s, room, "plaintiff")
	leave, err := proto.Marshal(&livekit.SignalRequest{Message: &livekit.SignalRequest_Leave{Leave: &livekit.LeaveRequest{
		Reason: livekit.DisconnectReason_CLIENT_INITIATED, Action: livekit.LeaveRequest_DISCONNECT,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.WriteMessage(websocket.BinaryMessage, leave); err != nil {
		t.Fatal(err)
	}
	_ = fresh.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := fresh.ReadMessage(); err != nil {
			break
		}
	}
	fresh.Close()
	waitFor(t, "participant_left of the final leave", func() bool { _, ok := events.find(Left, "plaintiff"); return ok })
	// Events arrive in order: the replaced connection's end came first.
	events.mu.Lock()
	defer events.mu.Unlock()
	var lefts []Event
	for _, e := range events.ev {
		if e.Kind == Left && e.Identity == "plaintiff" {
			lefts = append(lefts, e)
		}
	}
	if len(lefts) != 1 || lefts[0].Interrupted {
		t.Errorf("departures of plaintiff = %+v, want one deliberate leave", lefts)
	}
}

// leavePolitely sends a leave request on conn and waits for the server to
// close it, as a page does when it switches rooms.
func leavePolitely(t *testing.T, conn *websocket.Conn) {
	t.Helper()
	leave, err := proto.Marshal(&livekit.SignalRequest{Message: &livekit.SignalRequest_Leave{Leave: &livekit.LeaveRequest{
		Reason: livekit.DisconnectReason_CLIENT_INITIATED, Action: livekit.LeaveRequest_DISCONNECT,
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.BinaryMessage, leave); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	conn.Close()
}

// TestConsultationDeparture follows a private consultation (Art. 25 applies
// there too): the party moves from the hearing's room to its consultation
// room (a second room, same identity) and leaves the main room on purpose;
// then its network drops in the consultation room. The move is a
// deliberate leave of the main room; the drop is reported as an
// interruption of the consultation room, by name, so that the hearing can
// send the participant back to it.
func TestConsultationDeparture(t *testing.T) {
	s := startTestServer(t, Config{})
	events := collect(s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const main, consult = "hearing-h1", "hearing-h1-consult-p1"
	for _, r := range []string{main, consult} {
		if err := s.CreateRoom(ctx, r, RoomOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	inMain := bareJoin(t, ctx, s, main, "party")
	inConsult := bareJoin(t, ctx, s, consult, "party")
	leavePolitely(t, inMain)
	inConsult.UnderlyingConn().Close() // the network drops: no leave request

	leftOf := func(room string) (Event, bool) {
		events.mu.Lock()
		defer events.mu.Unlock()
		for _, e := range events.ev {
			if e.Kind == Left && e.Identity == "party" && e.Room == room {
				return e, true
			}
		}
		return Event{}, false
	}
	for room, want := range map[string]bool{main: false, consult: true} {
		waitFor(t, "participant_left of "+room, func() bool { _, ok := leftOf(room); return ok })
		if e, _ := leftOf(room); e.Interrupted != want {
			t.Errorf("%s: %+v, want Interrupted=%v", room, e, want)
		}
	}
	// Back in the consultation room with a fresh connection.
	back := bareJoin(t, ctx, s, consult, "party")
	defer back.Close()
	if p, err := s.Participant(ctx, consult, "party"); err != nil || p.State == "DISCONNECTED" {
		t.Errorf("party back in the consultation: %+v %v", p, err)
	}
}
