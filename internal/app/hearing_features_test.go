package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/video"
)

// The browser tests of the hearing room's features beyond the basic
// session (TestBrowserHearingRoom): the public livestream, audio-only mode,
// witnesses and private consultation, the live record and its signing, and
// reconnection after a network drop. Each runs on its own app and media
// server, serially (no t.Parallel: every Chromium instance costs a good
// part of a core), with every wait bounded.

// rtcProbe is injected into the hearing pages before their scripts run: it
// keeps the page's RTCPeerConnections and WebSockets, so that a test can
// read the media actually received (getStats) and cut the page's
// connections, without the app exposing anything. window.__inbound(kind) resolves to the bytes received of that
// kind over the page's open connections.
const rtcProbe = `(function () {
  if (window.__pcs) { return; }
  window.__pcs = []; window.__wss = [];
  var PC = window.RTCPeerConnection;
  if (PC) {
    class P extends PC { constructor(a, b) { super(a, b); window.__pcs.push(this); } }
    window.RTCPeerConnection = P;
  }
  var WS = window.WebSocket;
  // While window.__offline is set, new WebSockets go nowhere (a dead
  // network for the page's signalling; the app's own pages use none).
  class W extends WS {
    constructor(a, b) { super(window.__offline ? 'ws://127.0.0.1:9/' : a, b); window.__wss.push(this); }
  }
  window.WebSocket = W;
  window.__inbound = async function (kind) {
    var n = 0;
    for (var pc of window.__pcs) {
      if (pc.connectionState === 'closed') { continue; }
      var st = await pc.getStats();
      st.forEach(function (r) { if (r.type === 'inbound-rtp' && r.kind === kind) { n += r.bytesReceived || 0; } });
    }
    return n;
  };
})();`

// hearingFixture is a demo app with one online hearing of the demo loan
// case, its clock set inside the room's entry window.
type hearingFixture struct {
	t                            *testing.T
	ta                           *testApp
	clk                          *clock.Fixed
	caseID, plaintiff, defendant string
	hid                          string
	judge                        *client
	srv                          *video.Server
}

// hearingOpts are the scheduling choices of a fixture.
type hearingOpts struct {
	public  bool
	witness bool // call an online witness (login "witness", seeded verified)
}

func newHearingFixture(t *testing.T, o hearingOpts) *hearingFixture {
	t.Helper()
	clk := clock.NewFixed(time.Now())
	cfg := testConfig(t, true)
	// LiveKit's ICE/TCP listener binds every interface: pick ports free on
	// all of them (a port free on 127.0.0.1 alone may be taken elsewhere on
	// loopback by other programs' connections).
	cfg.VideoHTTPPort, cfg.VideoTCPPort, cfg.VideoUDPPort = anyFreePorts(t)
	ta := startApp(t, cfg, WithClock(clk))
	f := &hearingFixture{t: t, ta: ta, clk: clk}
	ctx := context.Background()
	if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&f.caseID); err != nil {
		t.Fatal(err)
	}
	for role, dst := range map[string]*string{"plaintiff": &f.plaintiff, "defendant": &f.defendant} {
		if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_party WHERE case_id = ? AND role = ?`, f.caseID, role).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	f.judge = newClient(t, ta.URL)
	f.judge = f.judge.withToken(loginAPI(t, f.judge, "judge", DemoPassword))
	modes := map[string]string{f.plaintiff: "online"}
	start := clk.Now().AddDate(0, 0, 4)
	body := map[string]any{"starts_at": start, "duration_minutes": 60, "courtroom": "第三法庭", "public": o.public, "modes": modes}
	if !o.public {
		body["private_reason"] = "privacy"
	}
	if o.witness {
		wid := f.seedPerson("witness", "13700009901", "演示证人 孙见", "33022519700303004")
		body["witnesses"] = []map[string]any{{"name": "演示证人 孙见", "account_id": wid, "party_id": f.plaintiff, "mode": "online"}}
	}
	r := must(t, f.judge.do("POST", "/api/v1/cases/"+f.caseID+"/hearings", body), http.StatusCreated)
	f.hid = decode[struct {
		ID string `json:"id"`
	}](t, r).ID
	clk.Set(start.Add(-15 * time.Minute))
	// Start the media server now, outside any browser wait: on a loaded
	// machine its start-up is the slowest step of the first entry.
	srv, err := ta.video.server()
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	return f
}

// seedPerson creates a real-name verified account (a witness).
func (f *hearingFixture) seedPerson(login, mobile, name, idBody string) string {
	f.t.Helper()
	a, err := f.ta.svc.identity.SeedAccount(context.Background(), identity.Seed{Login: login, Mobile: mobile, Password: DemoPassword, Name: name,
		Claim:  &identity.Claim{Kind: identity.Person, Name: name, IDType: identity.ResidentIDCard, IDNumber: residentID(idBody)},
		Grants: []auth.Grant{{Role: auth.Litigant}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return a.ID
}

// browserFor starts a phone Chromium with fake media, signed in as login
// (nothing when login is ""), with the RTC probe in every page.
func (f *hearingFixture) browserFor(login string) *browser {
	f.t.Helper()
	bctx := browsertest.New(f.t, browsertest.Phone(), browsertest.FakeMedia())
	b := &browser{t: f.t, ctx: bctx}
	if _, err := chromedp.Call(bctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: rtcProbe}); err != nil {
		f.t.Fatal(err)
	}
	if login == "" {
		return b
	}
	b.do(chromedp.Navigate(f.ta.URL + "/login"))
	b.waitFor(`document.readyState === "complete" && document.querySelector("#login") !== null`)
	b.markPage()
	b.do(chromedp.SendKeys(chromedp.CSS("#login"), login), chromedp.SendKeys(chromedp.CSS("#password"), DemoPassword),
		chromedp.Click(chromedp.CSS("#login-password")))
	b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete" && location.pathname !== "/login"`)
	return b
}

// enterRoom opens the hearing room page in b and presses "enter".
func (f *hearingFixture) enterRoom(b *browser) {
	f.t.Helper()
	b.markPage()
	b.do(chromedp.Navigate(f.ta.URL + "/hearings/" + f.hid + "/room"))
	b.waitNewPage("/hearings/" + f.hid + "/room")
	b.do(chromedp.Click(chromedp.CSS("#room-enter")))
}

// join signs login in, enters the room and waits until the page has its
// entry (the waiting notice or the control panel decided).
func (f *hearingFixture) join(login string) *browser {
	f.t.Helper()
	b := f.browserFor(login)
	f.t.Cleanup(func() {
		if f.t.Failed() && b.ctx.Err() == nil {
			ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
			defer cancel()
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({state: document.querySelector("#room") && document.querySelector("#room").dataset.state,
				error: (document.querySelector("#room-error") || {}).innerText, reconnecting: !(document.querySelector("#room-reconnecting") || {}).hidden,
				tiles: Array.from(document.querySelectorAll("#room-tiles figure")).map(f => f.dataset.kind + ":" + f.dataset.identity + ":" + ((f.querySelector("video") || {}).videoWidth || 0))})`))
			f.t.Logf("%s's page: %s %v", login, v, err)
		}
	})
	f.enterRoom(b)
	b.waitFor(`document.querySelector("#room").dataset.state !== undefined`)
	return b
}

// identities returns the participants' room identities by login-free keys:
// "party:<party id>", "witness:<name>", "rep:<party id>", the kind for
// the staff ("presiding", "judge", "clerk") and "bench" for the judge.
func (f *hearingFixture) identities() map[string]string {
	f.t.Helper()
	type part struct {
		Identity, Kind, Name string
		PartyID              string `json:"party_id"`
	}
	parts := decode[struct {
		Items []part `json:"participants"`
	}](f.t, must(f.t, f.judge.get("/api/v1/hearings/"+f.hid+"/participants"), http.StatusOK)).Items
	out := map[string]string{}
	for _, p := range parts {
		switch p.Kind {
		case "party":
			out["party:"+p.PartyID] = p.Identity
		case "representative":
			out["rep:"+p.PartyID] = p.Identity
		case "witness":
			out["witness:"+p.Name] = p.Identity
		default:
			out[p.Kind] = p.Identity
		}
		if p.Kind == "presiding" || p.Kind == "judge" {
			out["bench"] = p.Identity // the (first) judge
		}
	}
	return out
}

// click carries out a moderator's action through the judge's panel: on
// the participant identity, or on the session when identity is "".
func (f *hearingFixture) click(jb *browser, identity, action string) {
	f.t.Helper()
	if identity == "" {
		jb.do(chromedp.Click(chromedp.CSS(`#room-panel > p button[data-action="` + action + `"]`)))
		return
	}
	jb.do(chromedp.Click(chromedp.CSS(`#room-panel tr[data-identity="` + identity + `"] button[data-action="` + action + `"]`)))
}

// state returns a participant's state as the platform records it.
func (f *hearingFixture) state(identity string) string {
	var st string
	f.ta.DB.QueryRow(context.Background(), `SELECT state FROM hearing_participant WHERE hearing_id = ? AND identity = ?`, f.hid, identity).Scan(&st)
	return st
}

// participant returns the media server's view of a participant in room
// ("" for the hearing's main room).
func (f *hearingFixture) participant(room, identity string) (video.Participant, bool) {
	if room == "" {
		room = "hearing-" + f.hid
	}
	p, err := f.srv.Participant(context.Background(), room, identity)
	return p, err == nil
}

func tracksOf(p video.Participant) map[video.Kind]video.Track {
	out := map[video.Kind]video.Track{}
	for _, t := range p.Tracks {
		out[t.Kind] = t
	}
	return out
}

// inbound returns the bytes of kind ("audio", "video") the page received
// so far over its open peer connections.
func (b *browser) inbound(kind string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fmt.Sprintf(`window.__inbound(%q)`, kind), chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("browser: inbound %s: %v", kind, err)
	}
	return int64(v)
}

// flowing reports whether b receives more than min bytes of kind within
// about two seconds.
func (b *browser) flowing(kind string, min int64) bool {
	b.t.Helper()
	before := b.inbound(kind)
	time.Sleep(2 * time.Second)
	return b.inbound(kind)-before > min
}

// anyFreePorts returns two TCP ports and one UDP port free on every
// interface.
func anyFreePorts(t *testing.T) (httpPort, tcpPort, udpPort int) {
	t.Helper()
	a, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u, err := net.ListenPacket("udp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	return a.Addr().(*net.TCPAddr).Port, b.Addr().(*net.TCPAddr).Port, u.LocalAddr().(*net.UDPAddr).Port
}

// hearingTiles counts the page's playing remote videos (frames decoded)
// and its remote audio elements.
const (
	playingVideos = `Array.from(document.querySelectorAll("#room-tiles video")).filter(v => v.videoWidth > 0).length`
	audioTiles    = `document.querySelectorAll("#room-tiles audio").length`
	// twoPictures: two remote pictures on the page, at least one playing
	// (on a phone a tile below the screen is paused by adaptive streaming).
	twoPictures = `document.querySelectorAll("#room-tiles figure[data-kind='video']").length === 2 && ` + playingVideos + ` >= 1`
)

// admitAndOpen has the judge admit the participants and open the session,
// and waits until each page knows it is in the room.
func (f *hearingFixture) admitAndOpen(jb *browser, who map[string]*browser) {
	f.t.Helper()
	for identity, b := range who {
		b.waitFor(`document.querySelector("#room").dataset.state === "waiting"`)
		f.click(jb, identity, "admit")
	}
	f.click(jb, "", "open")
	for _, b := range who {
		b.waitFor(`document.querySelector("#room").dataset.state === "admitted"`)
	}
	waitFor(f.t, "the session open", func() bool {
		var st string
		f.ta.DB.QueryRow(context.Background(), `SELECT status FROM hearing_hearing WHERE id = ?`, f.hid).Scan(&st)
		return st == "open"
	})
}

// publishing waits until the media server has identity in room publishing
// exactly the kinds given.
func (f *hearingFixture) publishing(room, identity string, kinds ...video.Kind) {
	f.t.Helper()
	waitFor(f.t, fmt.Sprintf("%s publishing %v", identity, kinds), func() bool {
		p, ok := f.participant(room, identity)
		if !ok {
			return false
		}
		tr := tracksOf(p)
		if len(tr) != len(kinds) {
			return false
		}
		for _, k := range kinds {
			if _, ok := tr[k]; !ok {
				return false
			}
		}
		return true
	})
}

// TestBrowserHearingLivestream: someone without an account watches a
// public hearing (CPL Art. 137). The public list offers no stream before
// the session opens; once the judge opens it, the list links to the
// livestream, whose page plays the judge's picture and sound through a
// hidden, subscribe-only connection that appears nowhere in the court's
// lists. A hearing in private has no livestream.
func TestBrowserHearingLivestream(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{public: true})
	priv := must(t, f.judge.do("POST", "/api/v1/cases/"+f.caseID+"/hearings", map[string]any{"starts_at": f.clk.Now().AddDate(0, 0, 10),
		"duration_minutes": 60, "courtroom": "第三法庭", "public": false, "private_reason": "privacy"}), http.StatusCreated)
	privID := decode[struct {
		ID string `json:"id"`
	}](t, priv).ID

	jb := f.join("judge")
	jb.waitFor(`document.querySelector("#room").dataset.state === "admitted"`)
	viewer := f.browserFor("")
	browsertest.FailOnConsoleErrors(viewer.ctx, t)
	viewer.do(chromedp.Navigate(f.ta.URL + "/hearings/public"))
	viewer.waitFor(`document.readyState === "complete" && document.querySelector("main") !== null`)
	if n := viewer.eval(`document.querySelectorAll('a[href$="/live"]').length`); n != "0" {
		t.Errorf("a livestream link before the session opened: %s", n)
	}
	f.click(jb, "", "open")
	waitFor(t, "the session open", func() bool {
		var st string
		f.ta.DB.QueryRow(context.Background(), `SELECT status FROM hearing_hearing WHERE id = ?`, f.hid).Scan(&st)
		return st == "open"
	})
	f.publishing("", f.identities()["bench"], video.Audio, video.Video)

	viewer.markPage()
	viewer.do(chromedp.Reload())
	viewer.waitNewPage("/hearings/public")
	viewer.markPage()
	viewer.do(chromedp.Click(chromedp.CSS(`a[href="/hearings/` + f.hid + `/live"]`)))
	viewer.waitNewPage("/hearings/" + f.hid + "/live")
	viewer.waitFor(playingVideos + ` >= 1 && ` + audioTiles + ` >= 1`)
	if !viewer.flowing("audio", 500) || !viewer.flowing("video", 5000) {
		t.Error("the livestream receives no sound or no picture")
	}
	viewer.noHorizontalScroll("/hearings/{id}/live")
	if got := viewer.text("h1"); !strings.Contains(got, "民初") {
		t.Errorf("livestream heading %q, want the case number", got)
	}
	browsertest.Screenshot(viewer.ctx, t, "hearing/10-livestream")

	// The viewer is hidden and may not publish; the court's list of
	// participants does not know it.
	ps, err := f.srv.Participants(context.Background(), "hearing-"+f.hid)
	if err != nil {
		t.Fatal(err)
	}
	viewers := 0
	for _, p := range ps {
		if strings.HasPrefix(p.Identity, "viewer-") {
			viewers++
			if !p.Hidden || p.CanPublish || len(p.Tracks) > 0 {
				t.Errorf("viewer %+v: want hidden, subscribe-only", p)
			}
		}
	}
	if viewers != 1 {
		t.Errorf("%d viewers on the media server, want 1: %+v", viewers, ps)
	}
	for k := range f.identities() {
		if strings.HasPrefix(k, "viewer") {
			t.Errorf("the viewer is listed among the participants: %v", k)
		}
	}
	if n := jb.eval(`document.querySelectorAll("#room-tiles figure").length`); n != "0" {
		t.Errorf("the judge's page shows %s tiles; the viewer must be invisible", n)
	}
	anon := newClient(t, f.ta.URL)
	if r := anon.get("/hearings/" + privID + "/live"); r.StatusCode != http.StatusNotFound {
		t.Errorf("livestream of a hearing in private: %d, want 404", r.StatusCode)
	}
}

// TestBrowserHearingAudioOnly: the weak-network fallback. The plaintiff
// switches to audio only on their page: the media server unpublishes their
// camera and lets them publish the microphone only, their page stops
// receiving video while sound keeps flowing both ways. The judge then
// switches them back to video and again to audio only from the panel, and
// the plaintiff's page follows each time without entering again.
func TestBrowserHearingAudioOnly(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{})
	jb := f.join("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := f.join("litigant")
	ids := f.identities()
	pid, judge := ids["party:"+f.plaintiff], ids["bench"]
	f.admitAndOpen(jb, map[string]*browser{pid: pb})
	f.publishing("", pid, video.Audio, video.Video)
	f.publishing("", judge, video.Audio, video.Video)
	pb.waitFor(playingVideos + ` >= 1`)
	jb.waitFor(playingVideos + ` >= 1`)
	sessions := pb.eval(`window.__wss.length`)

	audioOnly := func(who string) {
		t.Helper()
		f.publishing("", pid, video.Audio)
		if p, _ := f.participant("", pid); !p.AudioOnly || !p.CanSubscribe {
			t.Errorf("%s: plaintiff's permissions %+v, want audio only, still subscribed", who, p)
		}
		pb.waitFor(`document.querySelector("#room-audio-only").checked && document.querySelectorAll("#room-tiles video").length === 0`)
		jb.waitFor(`document.querySelectorAll("#room-tiles video").length === 0`)
		if !pb.flowing("audio", 500) {
			t.Errorf("%s: the plaintiff hears nothing", who)
		}
		if !jb.flowing("audio", 500) {
			t.Errorf("%s: the judge does not hear the plaintiff", who)
		}
		if pb.flowing("video", 0) {
			t.Errorf("%s: the plaintiff still receives video", who)
		}
	}
	pb.do(chromedp.Click(chromedp.CSS("#room-audio-only")))
	audioOnly("the plaintiff's switch")
	browsertest.Screenshot(pb.ctx, t, "hearing/11-audio-only")

	jb.do(chromedp.Click(chromedp.CSS(`#room-panel tr[data-identity="` + pid + `"] button[data-action="audio_only"][data-on="0"]`)))
	f.publishing("", pid, video.Audio, video.Video)
	pb.waitFor(`!document.querySelector("#room-audio-only").checked && ` + playingVideos + ` >= 1`)
	jb.waitFor(playingVideos + ` >= 1`)
	jb.do(chromedp.Click(chromedp.CSS(`#room-panel tr[data-identity="` + pid + `"] button[data-action="audio_only"][data-on="1"]`)))
	audioOnly("the judge's switch")
	if got := pb.eval(`window.__wss.length`); got != sessions {
		t.Errorf("the plaintiff's page opened %s signalling connections, want still %s (no re-entry)", got, sessions)
	}
	if st := f.state(pid); st != "admitted" {
		t.Errorf("plaintiff's state %q after the switches, want admitted", st)
	}
}

// TestBrowserHearingWitness: a witness must not follow the proceedings
// before testifying (Online Litigation Rules Art. 26). The witness enters
// and stays outside: the media server lets them neither subscribe nor
// publish and their page receives nothing. The judge brings them in: they
// see and hear the room and the room sees them. The judge sends them out
// again: they lose the room's sound and picture at once.
func TestBrowserHearingWitness(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{witness: true})
	jb := f.join("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := f.join("litigant")
	ids := f.identities()
	pid, wid := ids["party:"+f.plaintiff], ids["witness:演示证人 孙见"]
	f.admitAndOpen(jb, map[string]*browser{pid: pb})
	f.publishing("", pid, video.Audio, video.Video)

	wb := f.join("witness")
	outside := func(when string) {
		t.Helper()
		wb.waitFor(`document.querySelector("#room").dataset.state === "witness_out" && !document.querySelector("#room-witness-out").hidden`)
		waitFor(t, "the witness without permissions "+when, func() bool {
			p, ok := f.participant("", wid)
			return ok && !p.CanSubscribe && !p.CanPublish && len(p.Tracks) == 0
		})
		wb.waitFor(`document.querySelectorAll("#room-tiles figure").length === 0`)
		if wb.flowing("audio", 0) || wb.flowing("video", 0) {
			t.Errorf("the witness receives the room %s", when)
		}
		if st := f.state(wid); st != "witness_out" {
			t.Errorf("witness state %q %s", st, when)
		}
	}
	outside("before testifying")
	browsertest.Screenshot(wb.ctx, t, "hearing/12-witness-outside")

	f.click(jb, wid, "witness_in")
	// The judge's and the plaintiff's pictures and sound reach the witness
	// (a tile below the phone's screen is paused by adaptive streaming, so
	// one picture playing is what the page shows).
	wb.waitFor(`document.querySelector("#room").dataset.state === "admitted" && ` + playingVideos + ` >= 1 && ` +
		`document.querySelectorAll("#room-tiles figure[data-kind='video']").length === 2 && ` + audioTiles + ` === 2`)
	f.publishing("", wid, video.Audio, video.Video)
	if !wb.flowing("audio", 500) || !wb.flowing("video", 5000) {
		t.Error("the witness in the room does not hear or see it")
	}
	jb.waitFor(`Array.from(document.querySelectorAll("#room-tiles figure[data-identity='` + wid + `'] video")).some(v => v.videoWidth > 0)`)

	f.click(jb, wid, "witness_out")
	outside("after testifying")
	jb.waitFor(`document.querySelectorAll("#room-tiles figure[data-identity='` + wid + `']").length === 0`)
}

// TestBrowserHearingConsultation: a party and their lawyer consult in
// private during the hearing. The judge starts the consultation: both move
// to a sub-room where they see and hear each other, while the court's room
// neither sees nor hears them and records them as consulting (not as
// gone). The judge ends it: both are back in the room without admission.
func TestBrowserHearingConsultation(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{})
	jb := f.join("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := f.join("litigant")
	lb := f.join("lawyer")
	ids := f.identities()
	pid, lid := ids["party:"+f.plaintiff], ids["rep:"+f.plaintiff]
	f.admitAndOpen(jb, map[string]*browser{pid: pb, lid: lb})
	f.publishing("", pid, video.Audio, video.Video)
	f.publishing("", lid, video.Audio, video.Video)
	jb.waitFor(twoPictures)

	f.click(jb, pid, "consult_start")
	sub := "hearing-" + f.hid + "-consult-" + f.plaintiff
	for b, other := range map[*browser]string{pb: lid, lb: pid} {
		b.waitFor(`document.querySelector("#room").dataset.state === "consulting" && !document.querySelector("#room-consulting").hidden`)
		// Each other's picture, and not the bench's.
		b.waitFor(`(function () { var v = document.querySelectorAll("#room-tiles figure[data-kind='video']");
			return v.length === 1 && v[0].dataset.identity === "` + other + `" && v[0].querySelector("video").videoWidth > 0; })()`)
	}
	f.publishing(sub, pid, video.Audio, video.Video)
	f.publishing(sub, lid, video.Audio, video.Video)
	for _, id := range []string{pid, lid} {
		waitFor(t, "out of the main room", func() bool { _, ok := f.participant("", id); return !ok })
	}
	jb.waitFor(`document.querySelectorAll("#room-tiles figure").length === 0`)
	if jb.flowing("audio", 0) {
		t.Error("the court hears the private consultation")
	}
	if !pb.flowing("audio", 500) || !lb.flowing("audio", 500) {
		t.Error("the party and the lawyer do not hear each other")
	}
	time.Sleep(time.Second) // departures from the main room are reported a moment later
	for _, id := range []string{pid, lid} {
		if st := f.state(id); st != "consulting" {
			t.Errorf("%s is %q during the consultation, want consulting", id, st)
		}
	}
	jb.waitFor(`document.querySelector('#room-panel tr[data-identity="` + pid + `"]').dataset.state === "consulting"`)
	browsertest.Screenshot(pb.ctx, t, "hearing/13-consultation")

	f.click(jb, pid, "consult_end")
	for _, b := range []*browser{pb, lb} {
		b.waitFor(`document.querySelector("#room").dataset.state === "admitted" && document.querySelector("#room-consulting").hidden`)
	}
	f.publishing("", pid, video.Audio, video.Video)
	f.publishing("", lid, video.Audio, video.Video)
	jb.waitFor(twoPictures)
	time.Sleep(time.Second)
	for _, id := range []string{pid, lid} {
		if st := f.state(id); st != "admitted" {
			t.Errorf("%s is %q after the consultation, want admitted", id, st)
		}
	}
}

// TestBrowserHearingRecordLive: the clerk types the record (笔录) during
// the hearing and the plaintiff's page shows each entry as it is saved,
// without reloading; the clerk closes the record for signing, the
// plaintiff's page turns to signing by itself, and the plaintiff asks for
// a one-time code (sent to their mobile by SMS), types it on the page and
// signs (Online Litigation Rules Art. 33–34).
func TestBrowserHearingRecordLive(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{})
	// Opening the session starts the record (its first mark).
	must(t, f.judge.do("POST", "/api/v1/hearings/"+f.hid+"/controls", map[string]any{"action": "open"}), http.StatusOK)
	waitFor(t, "the record started", func() bool {
		var n int
		f.ta.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM transcript_entry WHERE hearing_id = ?`, f.hid).Scan(&n)
		return n > 0
	})
	record := "/hearings/" + f.hid + "/record"
	cb := f.browserFor("clerk")
	cb.do(chromedp.Navigate(f.ta.URL + record))
	cb.waitFor(`document.readyState === "complete" && document.querySelector("#entry-form") !== null`)
	pb := f.browserFor("litigant")
	browsertest.FailOnConsoleErrors(pb.ctx, t)
	pb.do(chromedp.Navigate(f.ta.URL + record))
	pb.waitFor(`document.readyState === "complete" && document.querySelector("#record-live") !== null`)
	if pb.eval(`document.querySelector("#entry-form") === null`) != "true" {
		t.Error("the plaintiff's page offers the clerk's entry form")
	}
	pb.eval(`window.__sameDocument = true`)

	say := func(speaker, text string) {
		t.Helper()
		cb.markPage()
		cb.do(chromedp.SetValue(chromedp.CSS("#t-speaker"), speaker), chromedp.SetValue(chromedp.CSS("#t-text"), text),
			chromedp.Click(chromedp.CSS(`#entry-form button[type="submit"]`)))
		cb.waitNewPage(record)
		pb.waitFor(fmt.Sprintf(`window.__sameDocument === true && document.querySelector("#record-live").innerText.includes(%q)`, text))
	}
	say("审判长", "现在开庭。核对当事人身份。")
	say("原告", "原告王小渔，身份证号码与起诉状所载一致。")
	browsertest.Screenshot(pb.ctx, t, "hearing/14-record-live")

	// The clerk closes the record for signing by the plaintiff alone.
	cb.markPage()
	cb.do(chromedp.SetValue(chromedp.CSS("#t-judge"), "演示法官 周正"), chromedp.SetValue(chromedp.CSS("#t-clerk"), "演示书记员 郑记"))
	cb.eval(`document.querySelectorAll('#close-form input[name="signer"]').forEach(function (c) { c.checked = c.parentElement.innerText.includes("王小渔") && !c.parentElement.innerText.includes("代理人"); })`)
	cb.do(chromedp.Click(chromedp.CSS(`#close-form button[type="submit"]`)))
	cb.waitNewPage(record)
	if e := cb.text(".form-error"); e != "" {
		t.Fatalf("closing for signing: %s", e)
	}
	pb.waitFor(`document.readyState === "complete" && document.querySelector("#sign-form") !== null`)

	// The platform's clock stands still in tests: let the SMS resend
	// interval pass (electronic service may have texted the party).
	f.clk.Set(f.clk.Now().Add(2 * time.Minute))
	pb.markPage()
	pb.do(chromedp.Click(chromedp.CSS(`form[action$="/record/code"] button`)))
	pb.waitNewPage(record)
	code := f.ta.codeFor(t, "13800000001")
	pb.markPage()
	pb.do(chromedp.SendKeys(chromedp.CSS("#t-code"), code), chromedp.Click(chromedp.CSS(`#sign-form button[type="submit"]`)))
	pb.waitNewPage(record)
	pb.waitFor(`document.querySelector("#sign-form") === null && document.querySelector("#signers") !== null`)
	var state string
	if err := f.ta.DB.QueryRow(context.Background(), `SELECT s.state FROM transcript_signer s JOIN identity_account a ON a.id = s.account_id
		WHERE s.hearing_id = ? AND a.login = 'litigant'`, f.hid).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "signed" {
		t.Errorf("the plaintiff's signature: %q, want signed", state)
	}
	browsertest.Screenshot(pb.ctx, t, "hearing/15-record-signed")
}

// TestBrowserHearingReconnect: the plaintiff's network drops in the middle
// of the hearing. Their page loses its signalling and media connections
// and cannot reach the media server for a while; the court records a
// technical interruption, not an absence (Online Litigation Rules Art. 25),
// and the judge's panel says so. When the network is back the page
// reconnects by itself and the plaintiff is in the room again, publishing
// and seen by the judge, without being admitted again.
func TestBrowserHearingReconnect(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{})
	jb := f.join("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := f.join("litigant")
	pid := f.identities()["party:"+f.plaintiff]
	f.admitAndOpen(jb, map[string]*browser{pid: pb})
	f.publishing("", pid, video.Audio, video.Video)
	jb.waitFor(playingVideos + ` >= 1`)
	admits := func() int {
		var n int
		f.ta.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM hearing_action WHERE hearing_id = ? AND action = 'admit' AND target = ?`, f.hid, pid).Scan(&n)
		return n
	}
	before := admits()

	// The drop: every connection of the page ends and no new one gets
	// through.
	t0 := time.Now()
	pb.eval(`window.__offline = true; window.__pcs.forEach(function (p) { p.close(); }); window.__wss.forEach(function (w) { w.close(); }); true`)
	pb.waitFor(`!document.querySelector("#room-reconnecting").hidden`)
	deadline := time.Now().Add(60 * time.Second)
	for f.state(pid) != "technical_interruption" {
		if time.Now().After(deadline) {
			p, ok := f.participant("", pid)
			t.Fatalf("no technical interruption recorded within 60 s: state %q, media server %v %+v", f.state(pid), ok, p)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("interruption recorded after %v", time.Since(t0).Round(100*time.Millisecond))
	jb.waitFor(`document.querySelector('#room-panel tr[data-identity="` + pid + `"]').dataset.state === "technical_interruption"`)
	if got, want := jb.text(`#room-panel tr[data-identity="`+pid+`"] .p-state`), "技术中断"; !strings.Contains(got, want) {
		t.Errorf("judge's panel shows %q, want %q", got, want)
	}
	browsertest.Screenshot(jb.ctx, t, "hearing/16-interruption")

	// The network is back: the page reconnects by itself.
	pb.eval(`window.__offline = false; true`)
	waitFor(t, "the plaintiff back in the room", func() bool { return f.state(pid) == "admitted" })
	f.publishing("", pid, video.Audio, video.Video)
	pb.waitFor(`document.querySelector("#room-reconnecting").hidden && document.querySelector("#room").dataset.state === "admitted" && ` + playingVideos + ` >= 1`)
	jb.waitFor(playingVideos + ` >= 1`)
	jb.waitFor(`document.querySelector('#room-panel tr[data-identity="` + pid + `"]').dataset.state === "admitted"`)
	if !jb.flowing("video", 5000) || !pb.flowing("audio", 500) {
		t.Error("media does not flow again between the judge and the plaintiff")
	}
	if n := admits(); n != before {
		t.Errorf("the plaintiff was admitted %d more times; coming back needs no admission", n-before)
	}
}

// TestBrowserHearingEmblem: the hearing room shows the national emblem at
// its top, centred (Online Litigation Rules Art. 24), as a drawn image the
// browser loaded, at a size that fits a 360 px phone and grows in the
// large-text mode. The page follows the room's events from the number it
// was rendered with: a change made after the page loaded arrives with the
// next number.
func TestBrowserHearingEmblem(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{})
	b := f.browserFor("litigant")
	emblem := func(path string) (width float64) {
		t.Helper()
		b.markPage()
		b.do(chromedp.Navigate(f.ta.URL + path))
		b.waitNewPage("/hearings/" + f.hid + "/room")
		b.waitFor(`(function () { var i = document.querySelector("#room img.emblem"); return !!i && i.complete && i.naturalWidth > 0; })()`)
		var g struct {
			Width, Left, Right, Top, H1, Viewport float64
			Alt, Role                             string
		}
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(function () {
			var i = document.querySelector("#room img.emblem"), r = i.getBoundingClientRect(), c = document.querySelector("#room").getBoundingClientRect();
			return {width: r.width, left: r.left - c.left, right: c.right - r.right, top: r.top - c.top,
				h1: document.querySelector("#room h1").getBoundingClientRect().top - r.bottom, viewport: document.documentElement.clientWidth,
				alt: i.alt, role: i.getAttribute("role")};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		g.Width, g.Left, g.Right, g.Top, g.H1, g.Viewport = v["width"].(float64), v["left"].(float64), v["right"].(float64), v["top"].(float64), v["h1"].(float64), v["viewport"].(float64)
		g.Alt, g.Role = v["alt"].(string), v["role"].(string)
		if g.Width < 48 || g.Width > 160 || g.Width > g.Viewport*0.45 {
			t.Errorf("%s: emblem %.0f px wide on a %.0f px screen", path, g.Width, g.Viewport)
		}
		// On a phone the emblem stands at the left of the heading, beside it
		// (so that the pictures fit on the first screen); on a wide screen
		// it is centred above it.
		if g.Viewport < 768 {
			if g.Top > 48 || g.Left > 32 || g.H1 >= 0 {
				t.Errorf("%s: emblem not at the top left beside the heading: %+v", path, g)
			}
		} else if d := g.Left - g.Right; d < -2 || d > 2 || g.Top > 48 || g.H1 < 0 {
			t.Errorf("%s: emblem not centred at the top of the room: %+v", path, g)
		}
		if g.Alt != "中华人民共和国国徽" || g.Role != "img" {
			t.Errorf("%s: emblem alt %q role %q", path, g.Alt, g.Role)
		}
		b.noHorizontalScroll(path)
		return g.Width
	}
	normal := emblem("/hearings/" + f.hid + "/room")
	browsertest.Screenshot(b.ctx, t, "hearing/17-emblem")
	if got := b.eval(`document.querySelector("#room").dataset.lastEvent`); got != "0" {
		t.Errorf("room page rendered at event %q, want 0", got)
	}
	must(t, f.judge.do("POST", "/api/v1/hearings/"+f.hid+"/controls", map[string]any{"action": "open"}), http.StatusOK)
	b.waitFor(`document.querySelector("#room").dataset.lastEvent === "1"`)

	large := emblem("/hearings/" + f.hid + "/room?elderly=1")
	if b.eval(`document.body.classList.contains("elderly")`) != "true" {
		t.Fatal("large-text mode not on")
	}
	if large <= normal {
		t.Errorf("emblem %.0f px in large-text mode, %.0f px normally: want it larger", large, normal)
	}
	browsertest.Screenshot(b.ctx, t, "hearing/18-emblem-large-text")
	if got := b.eval(`document.querySelector("#room").dataset.lastEvent`); got != "1" {
		t.Errorf("room page rendered at event %q, want 1", got)
	}
}

// failOnPageErrors makes the test fail, when it ends, if b's page writes an
// error to its console from now on (as browsertest.FailOnConsoleErrors:
// console.error, an exception, a failed load such as a refused exhibit
// file or stream, a CSP violation), except what the LiveKit client logs
// itself: it logs the data channels of a connection the media server
// replaced (a new token after admission, a witness called in or sent out)
// as closing "unexpectedly", which the room's make-before-break switch of
// connections causes by design.
func failOnPageErrors(t *testing.T, who string, b *browser) {
	t.Helper()
	var (
		mu    sync.Mutex
		found []string
		seen  = map[string]bool{}
	)
	messages := chromedp.Console(b.ctx) // subscribes now
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			switch {
			case strings.HasPrefix(m.Text, "page-errors-sync-"):
				seen[m.Text] = true
			case strings.Contains(m.URL, "/vendor/livekit-client"):
			case m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == "assert" ||
				m.Source == "security" || strings.Contains(m.Text, "Content Security Policy"):
				found = append(found, fmt.Sprintf("%s (%s): %s at %s:%d", m.Type, m.Source, m.Text, m.URL, m.Line+1))
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if b.ctx.Err() != nil {
			return
		}
		// A marker written last tells that every earlier message was read.
		marker := fmt.Sprintf("page-errors-sync-%d", time.Now().UnixNano())
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf("console.debug(%q)", marker))); err == nil {
			for ctx.Err() == nil {
				mu.Lock()
				ok := seen[marker]
				mu.Unlock()
				if ok {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range found {
			t.Errorf("the %s's console: %s", who, e)
		}
	})
}

// TestBrowserHearingWitnessExhibit: a witness brought into the hearing
// room sees the exhibit being presented, though they read nothing of the
// case file, and nothing of it once sent out again (Online Litigation
// Rules Art. 14 para 2, Art. 26). Kept out, the witness's page shows no
// exhibit; brought in, it shows the one presented at that moment and each
// one presented after it (a picture, then a document behind a link), each
// file loading from the hearing room's own address; sent out, the exhibit
// leaves the page (no picture, no link left) and a later presentation does
// not reach it. No page writes an error to its console.
func TestBrowserHearingWitnessExhibit(t *testing.T) {
	f := newHearingFixture(t, hearingOpts{witness: true})
	jb := f.join("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := f.join("litigant")
	ids := f.identities()
	pid, wid := ids["party:"+f.plaintiff], ids["witness:演示证人 孙见"]
	f.admitAndOpen(jb, map[string]*browser{pid: pb})

	// The plaintiff's exhibits: a 40×30 picture and a PDF.
	lit := newClient(t, f.ta.URL)
	lit = lit.withToken(loginAPI(t, lit, "litigant", DemoPassword))
	submit := func(name, file string, content func(w io.Writer)) string {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("party_id", f.plaintiff)
		mw.WriteField("name", name)
		mw.WriteField("purpose", "证明借款已交付")
		fw, _ := mw.CreateFormFile("file", file)
		content(fw)
		mw.Close()
		req, _ := http.NewRequest("POST", f.ta.URL+"/api/v1/cases/"+f.caseID+"/exhibits", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+lit.token)
		return decode[struct {
			ID string `json:"id"`
		}](t, must(t, lit.send(req), http.StatusCreated)).ID
	}
	picture := submit("转账凭证", "receipt.png", func(w io.Writer) { png.Encode(w, image.NewGray(image.Rect(0, 0, 40, 30))) })
	document := submit("借条", "iou.pdf", func(w io.Writer) { w.Write(demoPDF("IOU")) })
	// The platform's clock stands still in tests: each presentation is a
	// minute after the last, so that the latest is the one shown.
	present := func(exhibitID string) {
		t.Helper()
		f.clk.Set(f.clk.Now().Add(time.Minute))
		must(t, f.judge.do("POST", "/api/v1/hearings/"+f.hid+"/exhibit", map[string]string{"exhibit_id": exhibitID}), http.StatusOK)
	}
	// shown: the page shows the exhibit named name, its label a number of
	// the plaintiff's, its link (and picture) at the room's address.
	shown := func(name string) string {
		return `(function () { var s = document.querySelector("#room-exhibit"), a = document.querySelector("#room-exhibit-link");
			return !s.hidden && document.querySelector("#room-exhibit-name").innerText === ` + fmt.Sprintf("%q", name) + ` &&
				document.querySelector("#room-exhibit-label").innerText.indexOf("原告证据") === 0 &&
				a.getAttribute("href").indexOf("/api/v1/hearings/` + f.hid + `/room/exhibits/") === 0; })()`
	}
	const gone = `(function () { var i = document.querySelector("#room-exhibit-image"), a = document.querySelector("#room-exhibit-link");
		return document.querySelector("#room-exhibit").hidden && i.hidden && !i.hasAttribute("src") && !a.hasAttribute("href") &&
			document.querySelector("#room-exhibit-name").innerText === "" && document.querySelector("#room-exhibit-label").innerText === ""; })()`
	// fetched returns the status and type of the file behind the page's
	// link, fetched by the page itself.
	fetched := func(b *browser) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("#room-exhibit-link").href, {credentials: "same-origin"})
			.then(function (r) { return r.status + " " + r.headers.get("Content-Type"); })`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("fetching the exhibit: %v", err)
		}
		return v
	}

	wb := f.browserFor("witness")
	for who, b := range map[string]*browser{"witness": wb, "judge": jb, "plaintiff": pb} {
		failOnPageErrors(t, who, b)
	}
	f.enterRoom(wb)
	wb.waitFor(`document.querySelector("#room").dataset.state === "witness_out"`)
	present(picture)
	jb.waitFor(shown("转账凭证") + ` && document.querySelector("#room-exhibit-image").naturalWidth === 40`)
	time.Sleep(time.Second) // time enough for a presentation to reach a page that listened
	if wb.eval(gone) != "true" {
		t.Fatal("the witness kept out sees the exhibit presented")
	}

	// Brought in: the exhibit presented now, then the next one.
	f.click(jb, wid, "witness_in")
	wb.waitFor(`document.querySelector("#room").dataset.state === "admitted" && ` + shown("转账凭证") + ` &&
		document.querySelector("#room-exhibit-image").complete && document.querySelector("#room-exhibit-image").naturalWidth === 40`)
	if got := wb.eval(`document.querySelector("#room-exhibit-image").getAttribute("src") === document.querySelector("#room-exhibit-link").getAttribute("href")`); got != "true" {
		t.Error("the witness's picture is not the linked file")
	}
	if got := fetched(wb); got != "200 image/png" {
		t.Errorf("the witness fetching the picture: %s, want 200 image/png", got)
	}
	browsertest.Screenshot(wb.ctx, t, "hearing/19-witness-exhibit")
	present(document)
	wb.waitFor(shown("借条") + ` && document.querySelector("#room-exhibit-image").hidden && !document.querySelector("#room-exhibit-image").hasAttribute("src")`)
	if got := fetched(wb); got != "200 application/pdf" {
		t.Errorf("the witness fetching the document: %s, want 200 application/pdf", got)
	}
	file := wb.eval(`document.querySelector("#room-exhibit-link").getAttribute("href")`)
	jb.waitFor(shown("借条"))

	// Sent out: nothing of the exhibit stays on the witness's page, the
	// file is refused, and a later presentation does not come through.
	f.click(jb, wid, "witness_out")
	wb.waitFor(`document.querySelector("#room").dataset.state === "witness_out" && ` + gone)
	witness := newClient(t, f.ta.URL)
	witness = witness.withToken(loginAPI(t, witness, "witness", DemoPassword))
	must(t, witness.get(file), http.StatusForbidden)
	present(picture)
	jb.waitFor(shown("转账凭证"))
	time.Sleep(time.Second)
	if wb.eval(gone) != "true" {
		t.Error("the witness sent out still sees an exhibit")
	}
	if pb.eval(shown("转账凭证")) != "true" {
		t.Error("the plaintiff's page does not follow the exhibit presented")
	}
}
