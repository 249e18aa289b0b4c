package app

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/clock"
)

// TestExhibitWitnessInHearingRoom runs the synchronous evidence exchange
// of an online hearing with a witness on the whole app (real hearing
// context, embedded video): the exhibit the judge presents is seen by
// everyone admitted to the room — the witness while brought in, who reads
// nothing else of the case (Online Litigation Rules Art. 26) — through the
// hearing-scoped URLs, and by nobody else; every view is audited with the
// witness as its actor.
func TestExhibitWitnessInHearingRoom(t *testing.T) {
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
	seed := func(login, mobile, name, idBody string) string {
		t.Helper()
		a, err := ta.svc.identity.SeedAccount(ctx, identity.Seed{Login: login, Mobile: mobile, Password: DemoPassword, Name: name,
			Claim:  &identity.Claim{Kind: identity.Person, Name: name, IDType: identity.ResidentIDCard, IDNumber: residentID(idBody)},
			Grants: []auth.Grant{{Role: auth.Litigant}}})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	wid := seed("witness", "13700009911", "演示证人 孙见", "33022519700303014")
	seed("passerby", "13700009912", "演示路人 钱过", "33022519700303015")
	signIn := func(login string) *client {
		c := newClient(t, ta.URL)
		return c.withToken(loginAPI(t, c, login, DemoPassword))
	}
	judge, lit, witness, passerby := signIn("judge"), signIn("litigant"), signIn("witness"), signIn("passerby")

	start := clk.Now().AddDate(0, 0, 4)
	r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", map[string]any{"starts_at": start, "duration_minutes": 60,
		"courtroom": "第三法庭", "public": true, "modes": map[string]string{plaintiff: "online"},
		"witnesses": []map[string]any{{"name": "演示证人 孙见", "account_id": wid, "party_id": plaintiff, "mode": "online"}}}), http.StatusCreated)
	hid := decode[struct {
		ID string `json:"id"`
	}](t, r).ID

	// The plaintiff submits two exhibits.
	submit := func(name string) string {
		t.Helper()
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("name", name)
		w.WriteField("purpose", "证明借款事实")
		fw, _ := w.CreateFormFile("file", name+".pdf")
		fw.Write(demoPDF("EXHIBIT " + name))
		w.Close()
		req, _ := http.NewRequest("POST", ta.URL+"/api/v1/cases/"+caseID+"/exhibits", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+lit.token)
		return decode[struct {
			ID string `json:"id"`
		}](t, must(t, lit.send(req), http.StatusCreated)).ID
	}
	e1, e2 := submit("IOU"), submit("TRANSFER")

	clk.Set(start.Add(-20 * time.Minute)) // the room opens an hour before
	type entry struct{ Identity, State string }
	enter := func(c *client) entry {
		t.Helper()
		return decode[entry](t, must(t, c.do("POST", "/api/v1/hearings/"+hid+"/enter", nil), http.StatusOK))
	}
	enter(judge)
	we := enter(witness)
	le := enter(lit)
	if we.State != "witness_out" || le.State != "waiting" {
		t.Fatalf("entries: witness %+v, plaintiff %+v", we, le)
	}
	control := func(action, target string) {
		t.Helper()
		must(t, judge.do("POST", "/api/v1/hearings/"+hid+"/controls", map[string]any{"action": action, "target": target}), http.StatusOK)
	}
	room := "/api/v1/hearings/" + hid + "/room/exhibit"
	file := func(id string) string { return "/api/v1/hearings/" + hid + "/room/exhibits/" + id + "/file" }
	status := func(c *client, path string, want int) response {
		t.Helper()
		r := c.get(path)
		if r.StatusCode != want {
			t.Errorf("GET %s: status %d, want %d: %s", path, r.StatusCode, want, truncate(r.String(), 300))
		}
		return r
	}

	// Nothing presented yet; the witness is kept out anyway.
	status(witness, room, http.StatusForbidden)
	control("witness_in", we.Identity)
	status(witness, room, http.StatusNotFound)
	must(t, judge.do("POST", "/api/v1/hearings/"+hid+"/exhibit", map[string]string{"exhibit_id": e1}), http.StatusOK)

	// Brought in: the presented exhibit and its file, nothing else.
	r = status(witness, room, http.StatusOK)
	p := decode[struct {
		Exhibit struct {
			ID, Label, Name string
			FileURL         string `json:"file_url"`
		}
	}](t, r)
	if p.Exhibit.ID != e1 || !strings.HasPrefix(p.Exhibit.Label, "原告证据") || p.Exhibit.FileURL != file(e1) {
		t.Errorf("the witness's view: %s", r)
	}
	if strings.Contains(string(r.Body), "证明借款事实") {
		t.Errorf("the witness sees the purpose of proof: %s", r)
	}
	if r := status(witness, file(e1), http.StatusOK); r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
		t.Errorf("file: %s %d bytes", r.Header.Get("Content-Type"), len(r.Body))
	}
	status(witness, file(e2), http.StatusNotFound)
	status(witness, "/api/v1/exhibits/"+e1+"/file", http.StatusNotFound)
	status(witness, "/api/v1/exhibits/"+e1, http.StatusNotFound)
	status(witness, "/api/v1/cases/"+caseID+"/exhibits", http.StatusNotFound)
	status(witness, "/api/v1/hearings/"+hid+"/exhibit", http.StatusNotFound)

	// The plaintiff waiting: not yet; admitted: yes. A passer-by never.
	status(lit, room, http.StatusForbidden)
	control("admit", le.Identity)
	status(lit, room, http.StatusOK)
	status(lit, file(e1), http.StatusOK)
	status(passerby, room, http.StatusNotFound)
	status(passerby, file(e1), http.StatusNotFound)
	status(newClient(t, ta.URL), room, http.StatusUnauthorized)

	// The next exhibit replaces the first.
	clk.Set(clk.Now().Add(time.Minute))
	must(t, judge.do("POST", "/api/v1/hearings/"+hid+"/exhibit", map[string]string{"exhibit_id": e2}), http.StatusOK)
	status(witness, file(e1), http.StatusNotFound)
	status(witness, file(e2), http.StatusOK)

	// Sent out: nothing any more.
	control("witness_out", we.Identity)
	status(witness, room, http.StatusForbidden)
	status(witness, file(e2), http.StatusForbidden)

	// Every view audited with the witness as actor, naming hearing and exhibit.
	count := func(action, target string) int {
		var n int
		if err := ta.DB.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND actor_id = ? AND target = ? AND detail LIKE ?`,
			action, wid, target, `%"hearing_id":"`+hid+`"%`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("exhibit.room.view", e1); n != 1 {
		t.Errorf("%d view audits by the witness, want 1", n)
	}
	if a, b := count("exhibit.room.file", e1), count("exhibit.room.file", e2); a != 1 || b != 1 {
		t.Errorf("file audits by the witness: %d, %d, want 1, 1", a, b)
	}

	// After the hearing is closed, nobody: the plaintiff stays "admitted"
	// on the record, but the room is gone.
	control("open", "")
	status(lit, room, http.StatusOK)
	control("close", "")
	status(lit, room, http.StatusForbidden)
	auditOK(t, ta.App)
}
