package app

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/clock"
)

// TestEnforcementJourney follows money owed from the document that orders
// it to the applicant's phone, on both databases: the court issues a
// mediation document in the demo loan case and serves it on both parties
// (it takes effect on the last service, CPL Art. 100); before that an
// application for enforcement is refused as premature; then the plaintiff
// applies with the document, the filing officer opens the 执 case with
// the enforcement officer, the applicant's open live stream receives a
// freeze the officer records (account number masked), money paid into the
// case account through the API becomes a "money received" node once — a
// repeated bank notice adds nothing — and each node reaches the
// applicant's inbox.
func TestEnforcementJourney(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ta := startDialect(t, d, true)
			ctx := context.Background()
			court, err := ta.svc.court.FindByCode(ctx, "浙0225")
			if err != nil {
				t.Fatal(err)
			}
			login := func(name string) *client {
				c := newClient(t, ta.URL)
				return c.withToken(loginAPI(t, c, name, DemoPassword))
			}
			lit, lit2, judge, filer, enforcer := login("litigant"), login("litigant2"), login("judge"), login("filing"), login("enforcer")

			// The demo loan case between the two demo litigants.
			var loan casefile.Case
			cases := decode[struct{ Items []casefile.Case }](t, must(t, lit.get("/api/v1/cases"), http.StatusOK))
			for _, c := range cases.Items {
				if c.TypeCode == "民初" && c.Cause == "民间借贷纠纷" {
					loan = c
				}
			}
			if loan.ID == "" {
				t.Fatalf("no demo loan case among %d", len(cases.Items))
			}
			loan, err = ta.svc.casefile.Get(asSystem(ctx), loan.ID)
			if err != nil {
				t.Fatal(err)
			}
			party := map[casefile.PartyRole]string{}
			for _, p := range loan.Parties {
				party[p.Role] = p.ID
			}
			// Both consent to electronic service of judgments and
			// mediation documents (Online Litigation Rules Art. 29).
			for _, s := range []struct {
				c    *client
				role casefile.PartyRole
			}{{lit, casefile.Plaintiff}, {lit2, casefile.Defendant}} {
				must(t, s.c.do("PUT", "/api/v1/cases/"+loan.ID+"/delivery/consent", map[string]any{"party_id": party[s.role],
					"electronic": true, "judgments": true, "acknowledged": true,
					"channels": []map[string]string{{"channel": "inbox"}}}), http.StatusOK)
			}
			// A first-instance judgment against which an appeal was filed
			// (the demo's 民终 case) never becomes a title of its own.
			judgment, err := os.ReadFile("../document/render/testdata/civil_judgment.json")
			if err != nil {
				t.Fatal(err)
			}
			r := must(t, judge.do("POST", "/api/v1/cases/"+loan.ID+"/documents", rawJSON(fmt.Sprintf(`{"document":%s,"serve_on":[%q,%q],"appealable":true}`,
				judgment, party[casefile.Plaintiff], party[casefile.Defendant]))), http.StatusCreated)
			jdoc := decode[struct {
				Document struct{ ID string } `json:"document"`
			}](t, r).Document.ID
			waitServed(t, ta, loan.ID, jdoc, 2)
			r = must(t, lit.do("POST", "/api/v1/enforcement/applications", map[string]any{"court_id": court.ID, "type_code": "执",
				"document_id": jdoc, "amount_fen": 5_000_000, "due": calendar.DateOf(ta.DB.Now().In(clock.China)).Plus(10).String(),
				"claim": "支付借款本金五万元"}), http.StatusConflict)
			if !strings.Contains(r.String(), "上诉") && !strings.Contains(r.String(), "appeal") {
				t.Errorf("application on an appealed judgment: %s", r)
			}

			mediation, err := os.ReadFile("../document/render/testdata/civil_mediation.json")
			if err != nil {
				t.Fatal(err)
			}
			issue := rawJSON(fmt.Sprintf(`{"document":%s,"serve_on":[%q]}`, mediation, party[casefile.Plaintiff]))
			r = must(t, judge.do("POST", "/api/v1/cases/"+loan.ID+"/documents", issue), http.StatusCreated)
			doc := decode[struct {
				Document struct{ ID string } `json:"document"`
			}](t, r).Document.ID
			apply := map[string]any{"court_id": court.ID, "type_code": "执", "document_id": doc, "amount_fen": 5_000_000,
				"due": calendar.DateOf(ta.DB.Now().In(clock.China)).Plus(10).String(), "claim": "支付借款本金五万元", "sms": true}
			// Served on the plaintiff only: not yet effective.
			waitServed(t, ta, loan.ID, doc, 1)
			r = must(t, lit.do("POST", "/api/v1/enforcement/applications", apply), http.StatusConflict)
			if !strings.Contains(r.String(), "尚未发生法律效力") && !strings.Contains(r.String(), "not taken legal effect") {
				t.Errorf("premature application: %s", r)
			}
			// Served on the defendant too (the same document, the issuing
			// API serves once; the delivery API serves again on another
			// party).
			must(t, judge.do("POST", "/api/v1/cases/"+loan.ID+"/delivery/services", map[string]any{
				"document":   map[string]any{"id": doc, "kind": delivery.DocMediation, "title": "民事调解书"},
				"recipients": []map[string]string{{"party_id": party[casefile.Defendant]}}}), http.StatusCreated)
			waitServed(t, ta, loan.ID, doc, 2)

			// The applicant applies; the filing officer opens the case.
			r = must(t, lit.do("POST", "/api/v1/enforcement/applications", apply), http.StatusCreated)
			appID := decode[struct{ ID string }](t, r).ID
			enforcerID := accountID(t, ta, "enforcer")
			r = must(t, filer.do("POST", "/api/v1/enforcement/applications/"+appID+"/accept",
				map[string]any{"lead": enforcerID}), http.StatusOK)
			rec := decode[struct {
				CaseID string `json:"case_id"`
				Number string `json:"number"`
				FeeFen int64  `json:"fee_fen"`
			}](t, r)
			// 诉讼费用交纳办法 Art. 14(一): 50 yuan for the first 10,000, 1.5%
			// of the other 40,000 (600): 650 yuan, paid after enforcement.
			if !strings.Contains(rec.Number, "执") || rec.FeeFen != 65_000 {
				t.Errorf("enforcement case: %s", r)
			}

			// The applicant's phone follows the case live.
			events := openLive(t, lit, "/api/v1/enforcement/live?case="+rec.CaseID)
			must(t, enforcer.do("POST", "/api/v1/enforcement/cases/"+rec.CaseID+"/nodes", map[string]any{
				"kind": "freeze", "text": "冻结被执行人银行存款。", "amount_fen": 5_000_000, "carried_out": true,
				"fields": map[string]string{"bank": "中国工商银行象山支行", "account_no": "6222020000001234567"}}), http.StatusCreated)
			ev := events.next(t, "freeze")
			if strings.Contains(ev, "6222020000001234567") || !strings.Contains(ev, "4567") {
				t.Errorf("live freeze node not masked for the applicant: %s", ev)
			}

			// Money arrives through the bank API: one node, however often
			// the bank repeats its notice.
			receipt := map[string]any{"received_on": "2026-11-20", "amount": 2_000_000, "payer": "演示当事人 李海丰",
				"payer_account": "6228480000009876", "reference": "BANK-20261120-0001", "remark": rec.Number}
			must(t, enforcer.do("POST", "/api/v1/casefund/cases/"+rec.CaseID+"/receipts", receipt), http.StatusCreated)
			events.next(t, "money_received")
			must(t, enforcer.do("POST", "/api/v1/casefund/cases/"+rec.CaseID+"/receipts", receipt), http.StatusCreated)
			nodes := decode[struct {
				Items []struct{ Kind string } `json:"items"`
			}](t, must(t, lit.get("/api/v1/enforcement/cases/"+rec.CaseID+"/nodes"), http.StatusOK))
			n := 0
			for _, nd := range nodes.Items {
				if nd.Kind == "money_received" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d money_received nodes, want 1: %+v", n, nodes.Items)
			}
			// The 执行通知书 went to the debtor on acceptance; they never agreed
			// to electronic service in this case, so the officer serves it
			// in person (直接送达, CPL Art. 87) and the node follows.
			notice := ""
			deadline := time.Now().Add(30 * time.Second)
			for notice == "" {
				recs, err := ta.svc.delivery.ListServices(asSystem(ctx), rec.CaseID)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					if r.Document.Kind == delivery.DocEnforcementNotice {
						notice = r.ID
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("no enforcement notice served on the debtor")
				}
				time.Sleep(100 * time.Millisecond)
			}
			today := calendar.DateOf(ta.DB.Now().In(clock.China)).String()
			must(t, enforcer.do("POST", "/api/v1/delivery/services/"+notice+"/fallback", map[string]any{
				"method": "direct", "served_on": today, "proof_ref": "送达回证（执行通知书）"}), http.StatusOK)
			events.next(t, "notice_served")

			// The debtor is no party to the applicant's stream, and the
			// notices reach the applicant's inbox.
			must(t, lit2.get("/api/v1/enforcement/cases/"+rec.CaseID+"/nodes"), http.StatusOK)
			deadline = time.Now().Add(20 * time.Second)
			for {
				inbox := decode[struct {
					Items []struct{ Title string } `json:"items"`
				}](t, must(t, lit.get("/api/v1/inbox"), http.StatusOK))
				var titles []string
				for _, it := range inbox.Items {
					titles = append(titles, it.Title)
				}
				all := strings.Join(titles, " | ")
				if strings.Contains(all, "冻结") && strings.Contains(all, "执行款到账") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("inbox lacks the node notices: %s", all)
				}
				time.Sleep(200 * time.Millisecond)
			}
			auditOK(t, ta.App)
		})
	}
}

// waitServed waits until document doc of the case has been served on n
// parties.
func waitServed(t *testing.T, ta *testApp, caseID, doc string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		recs, err := ta.svc.delivery.ListServices(asSystem(context.Background()), caseID)
		if err != nil {
			t.Fatal(err)
		}
		served := 0
		for _, r := range recs {
			if r.Document.ID == doc && r.ServedAt != nil {
				served++
			}
		}
		if served >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("document %s served on %d parties, want %d", doc, served, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// accountID is the account ID of a demo login.
func accountID(t *testing.T, ta *testApp, login string) string {
	t.Helper()
	var id string
	if err := ta.DB.QueryRow(context.Background(), `SELECT id FROM identity_account WHERE login = ?`, login).Scan(&id); err != nil {
		t.Fatalf("account %s: %v", login, err)
	}
	return id
}

// liveStream reads server-sent events of one open stream.
type liveStream struct {
	lines chan string
}

// openLive opens an event stream with c's token and reads it until the
// test ends.
func openLive(t *testing.T, c *client, path string) *liveStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		t.Fatalf("live %s: %d", path, resp.StatusCode)
	}
	s := &liveStream{lines: make(chan string, 64)}
	go func() {
		defer resp.Body.Close()
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data:") {
				s.lines <- line
			}
		}
	}()
	return s
}

// next returns the next event data mentioning kind, failing after 20 s.
func (s *liveStream) next(t *testing.T, kind string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("live stream ended before a %s node", kind)
			}
			if strings.Contains(line, `"kind":"`+kind+`"`) {
				return line
			}
		case <-timeout:
			t.Fatalf("no %s node on the live stream within 20 s", kind)
		}
	}
}
