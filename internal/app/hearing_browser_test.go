package app

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/video"
)

// TestBrowserHearingRoom holds an online hearing in three Chromium
// instances with fake cameras and microphones: the judge and both parties
// open the hearing room and enter; the parties wait until the judge admits
// them from the control panel and opens the session; the media server then reports every
// participant publishing and the judge's page plays both parties' video;
// the plaintiff shows an exhibit and both other pages display it; the
// judge mutes one party (the server marks the track muted), removes the
// other (gone from the room) and closes the session; the platform's
// recording of the session is then listed and playable for the parties.
func TestBrowserHearingRoom(t *testing.T) {
	// Not parallel: three Chromium instances and the media server would
	// otherwise share two cores with the other browser tests.
	clk := clock.NewFixed(time.Now())
	ta := startApp(t, testConfig(t, true), WithClock(clk))
	ctx := context.Background()
	var caseID, plaintiff, defendant string
	if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	for role, dst := range map[string]*string{"plaintiff": &plaintiff, "defendant": &defendant} {
		if err := ta.DB.QueryRow(ctx, `SELECT id FROM casefile_party WHERE case_id = ? AND role = ?`, caseID, role).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	judge := newClient(t, ta.URL)
	judge = judge.withToken(loginAPI(t, judge, "judge", DemoPassword))
	def := newClient(t, ta.URL)
	def = def.withToken(loginAPI(t, def, "litigant2", DemoPassword))
	consent := true
	must(t, def.do("POST", "/api/v1/cases/"+caseID+"/consents", map[string]any{"party_id": defendant, "stage": "hearing",
		"consent": &consent, "how": "active_choice"}), http.StatusCreated)
	start := clk.Now().AddDate(0, 0, 4)
	r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", map[string]any{"starts_at": start, "duration_minutes": 60,
		"courtroom": "第三法庭", "public": true, "modes": map[string]string{plaintiff: "online", defendant: "online"}}), http.StatusCreated)
	hid := decode[struct {
		ID string `json:"id"`
	}](t, r).ID
	clk.Set(start.Add(-15 * time.Minute))

	open := func(login string) *browser {
		bctx := browsertest.New(t, browsertest.Phone(), browsertest.FakeMedia())
		b := &browser{t: t, ctx: bctx}
		b.do(chromedp.Navigate(ta.URL + "/demo"))
		b.waitFor(`document.querySelector('button[data-login="` + login + `"]') !== null`)
		b.markPage()
		b.do(chromedp.Click(chromedp.CSS(`button[data-login="` + login + `"]`)))
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
		b.markPage()
		b.do(chromedp.Navigate(ta.URL + "/hearings/" + hid + "/room"))
		b.waitNewPage("/hearings/" + hid + "/room")
		b.do(chromedp.Click(chromedp.CSS("#room-enter")))
		return b
	}
	jb := open("judge")
	jb.waitFor(`!document.querySelector("#room-panel").hidden`)
	pb := open("litigant")
	db := open("litigant2")
	for _, b := range []*browser{pb, db} {
		b.waitFor(`!document.querySelector("#room-waiting").hidden`)
	}
	browsertest.Screenshot(jb.ctx, t, "hearing/01-judge-before-admitting")

	type part struct {
		Identity string `json:"identity"`
		Kind     string `json:"kind"`
		PartyID  string `json:"party_id"`
	}
	parts := decode[struct {
		Items []part `json:"participants"`
	}](t, must(t, judge.get("/api/v1/hearings/"+hid+"/participants"), http.StatusOK)).Items
	ident := map[string]string{}
	for _, p := range parts {
		if p.Kind == "party" {
			ident[p.PartyID] = p.Identity
		}
	}
	if ident[plaintiff] == "" || ident[defendant] == "" {
		t.Fatalf("participants: %+v", parts)
	}
	click := func(identity, action string) {
		t.Helper()
		jb.do(chromedp.Click(chromedp.CSS(`#room-panel tr[data-identity="` + identity + `"] button[data-action="` + action + `"]`)))
	}
	click(ident[plaintiff], "admit")
	click(ident[defendant], "admit")
	jb.do(chromedp.Click(chromedp.CSS(`#room-panel button[data-action="open"]`)))
	for _, b := range []*browser{pb, db} {
		b.waitFor(`document.querySelector("#room-waiting").hidden`)
	}

	// The server sees all three publishing; the judge's page plays both
	// parties' video (frames decoded).
	srv, err := ta.video.server()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			ps, err := srv.Participants(ctx, "hearing-"+hid)
			t.Logf("media server participants: %+v %v", ps, err)
			for name, b := range map[string]*browser{"judge": jb, "plaintiff": pb, "defendant": db} {
				t.Logf("%s page: error %q, tiles %s", name, b.text("#room-error"), b.eval(`document.querySelectorAll("#room-tiles video, #room-tiles audio").length`))
			}
		}
	}()
	waitFor(t, "three participants publishing audio and video", func() bool {
		ps, err := srv.Participants(ctx, "hearing-"+hid)
		if err != nil {
			return false
		}
		n := 0
		for _, p := range ps {
			kinds := map[video.Kind]bool{}
			for _, tr := range p.Tracks {
				kinds[tr.Kind] = true
			}
			if kinds[video.Audio] && kinds[video.Video] {
				n++
			}
		}
		return n == 3
	})
	jb.waitFor(`Array.from(document.querySelectorAll("#room-tiles video")).filter(v => v.videoWidth > 0).length >= 2`)
	browsertest.Screenshot(jb.ctx, t, "hearing/02-judge-admitted")

	// The plaintiff shows an exhibit: both other pages display it.
	lit := newClient(t, ta.URL)
	lit = lit.withToken(loginAPI(t, lit, "litigant", DemoPassword))
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("party_id", plaintiff)
	mw.WriteField("name", "转账凭证")
	mw.WriteField("purpose", "证明借款已交付")
	fw, _ := mw.CreateFormFile("file", "receipt.png")
	png.Encode(fw, image.NewGray(image.Rect(0, 0, 40, 30)))
	mw.Close()
	req, _ := http.NewRequest("POST", ta.URL+"/api/v1/cases/"+caseID+"/exhibits", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+lit.token)
	ex := decode[struct {
		ID string `json:"id"`
	}](t, must(t, lit.send(req), http.StatusCreated))
	must(t, lit.do("POST", "/api/v1/hearings/"+hid+"/exhibit", map[string]string{"exhibit_id": ex.ID}), http.StatusOK)
	for _, b := range []*browser{jb, db} {
		b.waitFor(`!document.querySelector("#room-exhibit").hidden && document.querySelector("#room-exhibit-name").innerText === "转账凭证" &&
			document.querySelector("#room-exhibit-image").naturalWidth === 40`)
	}
	browsertest.Screenshot(jb.ctx, t, "hearing/03-exhibit-shown")

	click(ident[plaintiff], "mute")
	waitFor(t, "the plaintiff's microphone muted on the server", func() bool {
		p, err := srv.Participant(ctx, "hearing-"+hid, ident[plaintiff])
		if err != nil {
			return false
		}
		for _, tr := range p.Tracks {
			if tr.Kind == video.Audio {
				return tr.Muted
			}
		}
		return false
	})
	click(ident[defendant], "remove")
	waitFor(t, "the defendant removed from the room", func() bool {
		_, err := srv.Participant(ctx, "hearing-"+hid, ident[defendant])
		return err != nil
	})
	jb.do(chromedp.Click(chromedp.CSS(`#room-panel button[data-action="close"]`)))
	waitFor(t, "the session closed", func() bool {
		var st string
		ta.DB.QueryRow(ctx, `SELECT status FROM hearing_hearing WHERE id = ?`, hid).Scan(&st)
		return st == "closed"
	})

	// The platform recorded the session (Art. 27): the parties' tracks are
	// in the blob store, listed for the parties and playable.
	type rec struct {
		ID, Kind string
		Bytes    int64
	}
	var recs []rec
	waitFor(t, "the hearing's recordings", func() bool {
		recs = decode[struct {
			Items []rec `json:"items"`
		}](t, must(t, judge.get("/api/v1/hearings/"+hid+"/recordings"), http.StatusOK)).Items
		audio := 0
		for _, r := range recs {
			if r.Kind == "audio" && r.Bytes > 0 {
				audio++
			}
		}
		return audio >= 2
	})
	plaintiffAPI := newClient(t, ta.URL)
	plaintiffAPI = plaintiffAPI.withToken(loginAPI(t, plaintiffAPI, "litigant", DemoPassword))
	for _, r := range recs {
		if r.Kind != "audio" {
			continue
		}
		body := must(t, plaintiffAPI.get("/api/v1/hearings/"+hid+"/recordings/"+r.ID), http.StatusOK).Body
		if len(body) < 4 || string(body[:4]) != "OggS" {
			t.Errorf("recording %s is not an Ogg file (%d bytes)", r.ID, len(body))
		}
		break
	}
}

// TestBrowserDeviceSelfTest opens the device self-test on a phone with
// fake camera and microphone: after "start" the page shows the camera's
// picture, finds the camera and the microphone working and measures the
// download speed, without scrolling sideways.
func TestBrowserDeviceSelfTest(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ctx := browsertest.New(t, browsertest.Phone(), browsertest.FakeMedia())
	browsertest.FailOnConsoleErrors(ctx, t)
	b := &browser{t: t, ctx: ctx}
	b.do(chromedp.Navigate(ta.URL + "/hearings/self-test"))
	b.waitFor(`document.readyState === "complete" && document.querySelector("#st-start") !== null`)
	b.noHorizontalScroll("/hearings/self-test")
	b.do(chromedp.Click(chromedp.CSS("#st-start")))
	b.waitFor(`document.querySelector("#st-camera").className === "ok" && document.querySelector("#st-mic").className === "ok" &&
		document.querySelector("#selftest-video").videoWidth > 0 &&
		["good", "weak"].includes(document.querySelector("#st-bw").className)`)
	if got := b.text("#st-bw"); !strings.Contains(got, "kbit/s") {
		t.Errorf("bandwidth: %q", got)
	}
	browsertest.Screenshot(ctx, t, "hearing/00-self-test")
}
