package casefund_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

// TestAPIMatchesOpenAPI drives every operation through the real router
// and checks requests and responses against the fragment.
func TestAPIMatchesOpenAPI(t *testing.T) {
	doc := openapitest.Fragment(t, casefund.OpenAPI(), "casefund")
	for name := range doc.Components.Schemas {
		if !strings.HasPrefix(name, "Casefund") {
			t.Errorf("schema %s is not named Casefund…", name)
		}
	}
	check := openapitest.New(t, doc)
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		cid := c.ID
		f.fees[cid] = yuan(100)
		const js = "application/json"
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("file", "流水.csv")
		fw.Write([]byte("date,amount,payer,reference,remark\n2026-03-01,300.00,王某,B9,代付\n"))
		mw.Close()
		type step struct {
			method, path, user, ctype, body string
			want                            int
		}
		steps := []step{
			{"GET", "/api/v1/casefund/cases/" + cid + "/ledger", "u-creditor", "", "", 200},
			{"GET", "/api/v1/casefund/cases/" + cid + "/ledger", "u-stranger", "", "", 404},
			{"GET", "/api/v1/casefund/cases/" + cid + "/ledger", "", "", "", 401},
			{"POST", "/api/v1/casefund/cases/" + cid + "/account", "u-creditor", "", "", 403},
			{"POST", "/api/v1/casefund/cases/" + cid + "/account", "u-officer", "", "", 200},
			{"POST", "/api/v1/casefund/cases/" + cid + "/allocations", "u-officer", "", "", 409},
			{"PUT", "/api/v1/casefund/cases/" + cid + "/claims", "u-officer", js, `{"claims":[{"party_id":"` + debtor(c) + `","principal":100}]}`, 400},
			{"PUT", "/api/v1/casefund/cases/" + cid + "/claims", "u-officer", js, `{"costs":5000,"costs_note":"评估费","claims":[{"party_id":"` + creditor(c) + `","principal":1000000,"general_interest":0,"due":"2026-01-10"}]}`, 200},
			{"POST", "/api/v1/casefund/cases/" + cid + "/receipts", "u-officer", js, `{"received_on":"2026-02-09","amount":500000,"payer":"李四","payer_account":"6222020012345678","reference":"B1"}`, 201},
			{"POST", "/api/v1/casefund/cases/" + cid + "/receipts", "u-officer", js, `{"received_on":"2026-02-09","amount":-5,"payer":"","reference":""}`, 400},
			{"POST", "/api/v1/casefund/courts/" + f.courtID + "/statements", "u-officer", "text/csv", "date,amount,payer,reference,remark\n2026-03-01,100.00,李四,B2," + c.Number + "\n2026-03-01,200.00,王某,B3,代付\n", 201},
			{"POST", "/api/v1/casefund/courts/" + f.courtID + "/statements", "u-officer", "text/csv", "date,amount\n", 400},
			{"POST", "/api/v1/casefund/courts/" + f.courtID + "/statements", "u-creditor", "text/csv", "date,amount,payer,reference\n2026-03-01,1,a,b\n", 403},
			{"POST", "/api/v1/casefund/courts/" + f.courtID + "/statements", "u-officer", mw.FormDataContentType(), mp.String(), 201},
			{"GET", "/api/v1/casefund/courts/" + f.courtID + "/unmatched", "u-officer", "", "", 200},
			{"GET", "/api/v1/casefund/courts/" + f.courtID + "/unmatched", "u-judge", "", "", 403},
			{"POST", "/api/v1/casefund/cases/" + cid + "/allocations", "u-officer", "", "", 200},
			{"POST", "/api/v1/casefund/cases/" + cid + "/payouts", "u-officer", js, `{"party_id":"` + creditor(c) + `","amount":100,"paid_on":"2026-03-02","payee_name":"张三","payee_account":"6217000011112222","reference":"P1"}`, 201},
			{"POST", "/api/v1/casefund/cases/" + cid + "/payouts", "u-officer", js, `{"party_id":"` + creditor(c) + `","amount":99999999,"paid_on":"2026-03-02","payee_name":"张三","payee_account":"6217000011112222","reference":"P2"}`, 400},
			{"POST", "/api/v1/casefund/cases/" + cid + "/consents", "u-creditor", js, `{"expires_on":"2026-04-01"}`, 201},
			{"POST", "/api/v1/casefund/cases/" + cid + "/consents", "u-creditor", js, `{"expires_on":"2025-04-01"}`, 400},
			{"POST", "/api/v1/casefund/shared/ledger", "u-station", js, `{"case_number":"` + c.Number + `","id_number":"33022519800101123X"}`, 200},
			{"POST", "/api/v1/casefund/shared/ledger", "u-station", js, `{"case_number":"` + c.Number + `","id_number":"330225198001011234"}`, 403},
			{"POST", "/api/v1/casefund/shared/ledger", "u-creditor", js, `{"case_number":"` + c.Number + `","id_number":"33022519800101123X"}`, 403},
			{"POST", "/api/v1/casefund/shared/consents", "u-station", js, `{"case_number":"` + c.Number + `","id_number":"330225198001011234","expires_on":"2026-03-20"}`, 201},
			{"POST", "/api/v1/casefund/shared/ledger", "u-station", js, `{"case_number":"` + c.Number + `","id_number":"330225198001011234"}`, 200},
			{"GET", "/api/v1/casefund/cases/" + cid + "/ledger", "u-debtor", "", "", 200},
			{"GET", "/api/v1/casefund/cases/" + cid + "/ledger", "u-officer", "", "", 200},
		}
		for _, st := range steps {
			rec := f.do(t, st.method, st.path, st.user, st.ctype, []byte(st.body))
			if rec.Code != st.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", st.method, st.path, st.user, rec.Code, st.want, rec.Body)
				continue
			}
			h := http.Header{}
			if st.ctype != "" {
				h.Set("Content-Type", st.ctype)
			}
			if st.user != "" {
				h.Set("X-Test-User", st.user)
			}
			check.Check(t, st.method, st.path, h, []byte(st.body), rec)
		}
		// Match the unmatched lines, then revoke a consent.
		un, err := f.s.Unmatched(f.as("u-officer"), f.courtID)
		if err != nil || len(un) != 2 {
			t.Fatalf("unmatched %v %v", un, err)
		}
		l, err := f.s.Ledger(f.as("u-creditor"), cid)
		if err != nil || len(l.Consents) != 1 {
			t.Fatalf("ledger consents %v %v", l.Consents, err)
		}
		for _, st := range []step{
			{"POST", "/api/v1/casefund/receipts/" + un[0].ID + "/match", "u-officer", js, `{"case_id":"` + cid + `"}`, 200},
			{"POST", "/api/v1/casefund/receipts/" + un[0].ID + "/match", "u-officer", js, `{"case_id":"` + cid + `"}`, 409},
			{"POST", "/api/v1/casefund/receipts/nope/match", "u-officer", js, `{"case_id":"` + cid + `"}`, 404},
			{"POST", "/api/v1/casefund/consents/" + l.Consents[0].ID + "/revoke", "u-debtor", "", "", 403},
			{"POST", "/api/v1/casefund/consents/" + l.Consents[0].ID + "/revoke", "u-creditor", "", "", 204},
			{"POST", "/api/v1/casefund/consents/" + l.Consents[0].ID + "/revoke", "u-creditor", "", "", 409},
		} {
			rec := f.do(t, st.method, st.path, st.user, st.ctype, []byte(st.body))
			if rec.Code != st.want {
				t.Errorf("%s %s as %q: status %d, want %d: %s", st.method, st.path, st.user, rec.Code, st.want, rec.Body)
				continue
			}
			h := http.Header{}
			if st.ctype != "" {
				h.Set("Content-Type", st.ctype)
			}
			h.Set("X-Test-User", st.user)
			check.Check(t, st.method, st.path, h, []byte(st.body), rec)
		}
	})
}

// TestPages: the account page for a party and for the officer, in both
// languages; the party's consent form; the shared-court terminal.
func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.paidCase(t)
		page := "/cases/" + c.ID + "/casefund"
		rec := f.do(t, "GET", page, "u-creditor", "", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "10,000.00 元") || !strings.Contains(rec.Body.String(), "****2222") ||
			strings.Contains(rec.Body.String(), "6217000011112222") || strings.Contains(rec.Body.String(), `id="allocate"`) {
			t.Errorf("party page %d:\n%s", rec.Code, rec.Body)
		}
		req := func(method, path, user, body string, lang string) *httpRec {
			r := f.doForm(t, method, path, user, body, lang)
			return r
		}
		en := req("GET", page, "u-officer", "", "en")
		if en.Code != 200 || !strings.Contains(en.Body, "10,000.00 yuan") || !strings.Contains(en.Body, `id="allocate"`) {
			t.Errorf("officer page (en) %d:\n%s", en.Code, en.Body)
		}
		bad := req("POST", page+"/consent", "u-creditor", url.Values{"expires_on": {"2020-01-01"}}.Encode(), "")
		if bad.Code != 400 || !strings.Contains(bad.Body, "截止日期不能早于今天") {
			t.Errorf("bad consent %d:\n%s", bad.Code, bad.Body)
		}
		ok := req("POST", page+"/consent", "u-creditor", url.Values{"expires_on": {"2026-04-01"}}.Encode(), "")
		if ok.Code != http.StatusSeeOther {
			t.Errorf("consent %d:\n%s", ok.Code, ok.Body)
		}
		// The officer's payout form: refused, then recorded.
		c2 := f.newCase(t, false)
		if _, err := f.s.SetClaims(f.as("u-officer"), c2.ID, casefund.ClaimsInput{Fee: ptr(money.Fen(0)), Claims: []casefund.ClaimInput{
			{PartyID: creditor(c2), Principal: yuan(1_000), Due: day("2026-03-01")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Receive(f.as("u-officer"), c2.ID, casefund.ReceiptInput{On: day("2026-03-01"), Amount: yuan(1_000), Payer: "李四", Reference: "C2R1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Allocate(f.as("u-officer"), c2.ID); err != nil {
			t.Fatal(err)
		}
		p2 := "/cases/" + c2.ID + "/casefund"
		form := url.Values{"party_id": {creditor(c2)}, "amount": {"2000"}, "paid_on": {"2026-03-02"}, "payee_name": {"张三"},
			"payee_account": {"6217000011113333"}, "reference": {"C2P1"}}
		if r := req("POST", p2+"/payouts", "u-officer", form.Encode(), ""); r.Code != 400 || !strings.Contains(r.Body, "超过该当事人待发放的金额") {
			t.Errorf("payout over %d:\n%s", r.Code, r.Body)
		}
		form.Set("amount", "1,000.00")
		if r := req("POST", p2+"/payouts", "u-officer", form.Encode(), ""); r.Code != http.StatusSeeOther {
			t.Errorf("payout %d:\n%s", r.Code, r.Body)
		}
		if r := req("POST", p2+"/payouts", "u-creditor", form.Encode(), ""); r.Code != 403 {
			t.Errorf("payout by a party %d", r.Code)
		}

		// The money desk: import, then assign the unmatched line by number.
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		fw, _ := mw.CreateFormFile("file", "流水.csv")
		fw.Write([]byte("交易日期,金额,对方户名,流水号,附言\n2026-03-01,88.00,赵六,D1,代付\n2026-03-01,12.00,李四,D2," + c2.Number + "\n"))
		mw.Close()
		up := newRequest("POST", "/courts/"+f.courtID+"/casefund/statements", mp.String())
		up.Header.Set("Content-Type", mw.FormDataContentType())
		up.Header.Set("X-Test-User", "u-officer")
		if rec := serve(f.h, up); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="imported"`) || !strings.Contains(rec.Body.String(), "赵六") {
			t.Errorf("desk import %d:\n%s", rec.Code, rec.Body)
		}
		un, err := f.s.Unmatched(f.as("u-officer"), f.courtID)
		if err != nil || len(un) != 1 {
			t.Fatalf("unmatched %v %v", un, err)
		}
		mpath := "/courts/" + f.courtID + "/casefund/receipts/" + un[0].ID + "/match"
		if r := req("POST", mpath, "u-officer", url.Values{"case_number": {"（2026）浙0225执999号"}}.Encode(), ""); r.Code != 400 ||
			!strings.Contains(r.Body, "本院没有这个案号的案款账户") {
			t.Errorf("match unknown %d:\n%s", r.Code, r.Body)
		}
		if r := req("POST", mpath, "u-officer", url.Values{"case_number": {c2.Number}}.Encode(), ""); r.Code != http.StatusSeeOther {
			t.Errorf("match %d:\n%s", r.Code, r.Body)
		}
		if r := req("GET", "/courts/"+f.courtID+"/casefund", "u-judge", "", ""); r.Code != 403 {
			t.Errorf("desk for a judge %d", r.Code)
		}

		sh := req("GET", "/shared-court/casefund", "u-station", "", "")
		if sh.Code != 200 || !strings.Contains(sh.Body, `id="shared-form"`) {
			t.Errorf("shared form %d", sh.Code)
		}
		view := req("POST", "/shared-court/casefund", "u-station", url.Values{"case_number": {c.Number}, "id_number": {"33022519800101123X"}, "action": {"view"}}.Encode(), "")
		if view.Code != 200 || !strings.Contains(view.Body, `id="shared-ledger"`) || strings.Contains(view.Body, "33022519800101123X") {
			t.Errorf("shared view %d:\n%s", view.Code, view.Body)
		}
		refused := req("POST", "/shared-court/casefund", "u-station", url.Values{"case_number": {c.Number}, "id_number": {"330225198001011234"}, "action": {"view"}}.Encode(), "")
		if refused.Code != 403 || !strings.Contains(refused.Body, "没有有效的共享法庭查看同意") {
			t.Errorf("shared refused %d:\n%s", refused.Code, refused.Body)
		}
		rc := req("POST", "/shared-court/casefund", "u-station", url.Values{"case_number": {c.Number}, "id_number": {"330225198001011234"}, "expires_on": {"2026-03-20"}, "action": {"consent"}}.Encode(), "")
		if rc.Code != 200 || !strings.Contains(rc.Body, `id="shared-consent-done"`) {
			t.Errorf("shared consent %d:\n%s", rc.Code, rc.Body)
		}
	})
}

type httpRec struct {
	Code int
	Body string
}

// doForm sends a form (or a GET) as user, with an Accept-Language.
func (f *fixture) doForm(t *testing.T, method, path, user, body, lang string) *httpRec {
	t.Helper()
	ctype := ""
	if method == "POST" {
		ctype = "application/x-www-form-urlencoded"
	}
	req := newRequest(method, path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "text/html")
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	req.Header.Set("X-Test-User", user)
	rec := serve(f.h, req)
	return &httpRec{Code: rec.Code, Body: rec.Body.String()}
}
