package fees_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/fees/sandbox"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func TestMigrations(t *testing.T) {
	if err := sqldb.CheckSet(fees.Migrations); err != nil {
		t.Fatal(err)
	}
}

func TestMessages(t *testing.T) {
	if err := i18n.CheckComplete(fees.Messages); err != nil {
		t.Fatal(err)
	}
	if err := i18n.CheckComplete(sandbox.Messages); err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(i18n.Platform(), fees.Messages, sandbox.Messages)
	if err != nil {
		t.Fatal(err)
	}
	ver, _ := fees.DefaultSchedule().At(calendar.MustParseDate("2026-01-01"))
	var keys []string
	for _, k := range ver.Kinds() {
		keys = append(keys, "fees.kind."+string(k))
	}
	for _, s := range fees.Statuses {
		keys = append(keys, "fees.status."+string(s))
	}
	for _, a := range fees.AidForms {
		keys = append(keys, "fees.aid_form."+string(a))
	}
	for _, h := range fees.Halvings {
		keys = append(keys, "fees.note.halving."+string(h))
	}
	keys = append(keys, "casefile.event."+fees.TimelineOverdue)
	for _, k := range keys {
		if !cat.Has(k) {
			t.Errorf("message %s missing", k)
		}
	}
}

func TestIssueOnAccepted(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c := f.newCase(t)
		ev := accepted(c, fees.Property, 10_000_000, "simplified")
		for range 3 { // redelivery changes nothing
			if err := f.s.HandleAccepted(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		bills, err := f.s.ListCaseBills(f.as("u-filer"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(bills) != 1 {
			t.Fatalf("%d bills after redelivery, want 1", len(bills))
		}
		b := bills[0]
		// Notice Monday 2026-03-02; 7 days from the next day → Monday 03-09.
		if b.AmountFen != 115_000 || !b.Quote.Halved || b.Status != fees.Unpaid || b.DueDate.String() != "2026-03-09" ||
			b.PayerAccountID != "u-party" || b.PayerName != "张三" || b.CaseNumber != c.Number {
			t.Errorf("bill = %+v", b)
		}
		if n := f.events(t, "ecourt.fees.bill.issued", c.ID); n != 1 {
			t.Errorf("%d issued events, want 1", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'fees.bill.issue' AND case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d audit entries, want 1", n)
		}
		// Enforcement fees are paid after enforcement (Art. 20): no bill.
		if err := f.s.HandleAccepted(ctx, accepted(c, fees.Enforcement, 10_000_000, "ordinary")); err != nil {
			t.Fatal(err)
		}
		// A malformed payload is refused.
		bad := accepted(c, "nope", 1, "ordinary")
		if err := f.s.HandleAccepted(ctx, bad); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("bad kind: %v", err)
		}
		if bills, _ := f.s.ListCaseBills(f.as("u-filer"), c.ID); len(bills) != 1 {
			t.Errorf("%d bills, want 1", len(bills))
		}
		// Staff may issue further bills; litigants may not.
		if _, err := f.s.IssueBill(f.as("u-party"), fees.NewBill{CaseID: c.ID, PayerPartyID: c.Parties[0].ID, Kind: fees.Preservation, AmountFen: 10_000_000}); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("party IssueBill: %v", err)
		}
		pb, err := f.s.IssueBill(f.as("u-clerk"), fees.NewBill{CaseID: c.ID, PayerPartyID: c.Parties[0].ID, Kind: fees.Preservation, AmountFen: 10_000_000})
		if err != nil || pb.AmountFen != 102_000 {
			t.Errorf("clerk IssueBill = %+v, %v", pb, err)
		}
	})
}

func TestPaymentHappyPath(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		p := f.pay(t, b.ID, "u-party")
		// The cashier shows the amount.
		if resp := f.do(t, "GET", p.PayURL, "", "", nil); resp.StatusCode != 200 || !strings.Contains(bodyOf(resp), "2,300.00") {
			t.Fatalf("cashier page: %d", resp.StatusCode)
		}
		if p.QRContent == "" || p.OrderID == "" {
			t.Errorf("payment %+v", p)
		}
		// Pressing Pay twice opens no second order.
		if p2 := f.pay(t, b.ID, "u-lawyer"); p2.OrderID != p.OrderID {
			t.Errorf("second StartPayment opened order %s, want %s", p2.OrderID, p.OrderID)
		}
		resp := f.do(t, "POST", p.PayURL, "", "action=pay", nil)
		if resp.StatusCode != 303 || !strings.HasSuffix(resp.Header.Get("Location"), "/fees/bills/"+b.ID) {
			t.Fatalf("cashier pay: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := f.mustBill(t, b.ID).Status; got != fees.Unpaid {
			t.Errorf("before the callback: %s", got)
		}
		held := f.sb.Held()
		if len(held) != 1 {
			t.Fatalf("%d notifications, want 1", len(held))
		}
		if st := f.deliver(t, held[0]); st[0] != 200 {
			t.Fatalf("callback: %d", st[0])
		}
		got := f.mustBill(t, b.ID)
		if got.Status != fees.Paid || got.PaidFen != 230_000 || got.ReceiptNo != "浙0225-2026-000001" || got.PaidAt == nil {
			t.Errorf("paid bill = %+v", got)
		}
		// Gateway retries (fresh nonce each) change nothing.
		if st := f.deliver(t, held[0], held[0]); st[0] != 200 || st[1] != 200 {
			t.Errorf("duplicates: %v", st)
		}
		if n := f.events(t, "ecourt.fees.payment.succeeded", c.ID); n != 1 {
			t.Errorf("%d succeeded events, want 1", n)
		}
		// Receipt: JSON and page.
		var rc fees.Receipt
		if resp := f.do(t, "GET", "/api/v1/fees/bills/"+b.ID+"/receipt", "u-party", "", &rc); resp.StatusCode != 200 {
			t.Fatalf("receipt: %d %s", resp.StatusCode, bodyOf(resp))
		}
		if rc.AmountUpper != "贰仟叁佰元整" || rc.ReceiptNo != got.ReceiptNo || rc.CaseNumber != c.Number || rc.PayerName != "张三" {
			t.Errorf("receipt = %+v", rc)
		}
		page := f.do(t, "GET", "/fees/bills/"+b.ID+"/receipt", "u-party", "", nil)
		if body := bodyOf(page); page.StatusCode != 200 || !strings.Contains(body, "贰仟叁佰元整") || !strings.Contains(body, got.ReceiptNo) {
			t.Errorf("receipt page %d:\n%s", page.StatusCode, body)
		}
		// Paid: nothing more to pay.
		if resp := f.do(t, "POST", "/api/v1/fees/bills/"+b.ID+"/payments", "u-party", "", nil); resp.StatusCode != 409 {
			t.Errorf("pay a paid bill: %d", resp.StatusCode)
		}
	})
}

// signed builds a notification request with explicit timestamp and nonce.
func signedPost(t *testing.T, f *fixture, key []byte, ts time.Time, nonce string, body []byte, tamper func([]byte) []byte) int {
	t.Helper()
	tsStr := strconv.FormatInt(ts.Unix(), 10)
	sig := sandbox.Sign(key, tsStr, nonce, body)
	if tamper != nil {
		body = tamper(body)
	}
	req, _ := newRequest(f.srv.URL+"/api/v1/fees/callbacks/sandbox", body)
	req.Header.Set(sandbox.HeaderTimestamp, tsStr)
	req.Header.Set(sandbox.HeaderNonce, nonce)
	req.Header.Set(sandbox.HeaderSignature, sig)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestCallbackSecurity(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		f.pay(t, b.ID, "u-party", "pay")
		body := f.sb.Held()[0].Body
		now := f.clk.Now()
		tamperAmount := func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"amount_fen":230000`, `"amount_fen":1`, 1))
		}
		wrongAmount := []byte(strings.Replace(string(body), `"amount_fen":230000`, `"amount_fen":1`, 1))
		tests := []struct {
			name   string
			key    []byte
			ts     time.Time
			nonce  string
			body   []byte
			tamper func([]byte) []byte
			want   int
		}{
			{"forged signature", []byte("not-the-secret"), now, "n-forged", body, nil, 401},
			{"tampered amount", secret, now, "n-tampered", body, tamperAmount, 401},
			{"stale timestamp", secret, now.Add(-10 * time.Minute), "n-stale", body, nil, 401},
			{"future timestamp", secret, now.Add(10 * time.Minute), "n-future", body, nil, 401},
			{"signed but wrong amount", secret, now, "n-amount", wrongAmount, nil, 400},
			{"genuine", secret, now, "n-1", body, nil, 200},
			{"replayed nonce", secret, now, "n-1", body, nil, 409},
		}
		for _, tt := range tests {
			if got := signedPost(t, f, tt.key, tt.ts, tt.nonce, tt.body, tt.tamper); got != tt.want {
				t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
			}
			paid := f.mustBill(t, b.ID).Status == fees.Paid
			if wantPaid := tt.name == "genuine" || tt.name == "replayed nonce"; paid != wantPaid {
				t.Errorf("after %s: paid %v", tt.name, paid)
			}
		}
		if n := f.events(t, "ecourt.fees.payment.succeeded", c.ID); n != 1 {
			t.Errorf("%d succeeded events, want 1", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'fees.callback.reject' AND case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d rejected-callback audit entries, want 1", n)
		}
	})
}

func TestFailureAndOutOfOrder(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		// A failed attempt: the bill stays payable.
		c, b := f.bill(t)
		f.pay(t, b.ID, "u-party", "fail")
		if st := f.deliver(t, f.sb.Held()...); st[0] != 200 {
			t.Fatalf("failed callback: %v", st)
		}
		if got := f.mustBill(t, b.ID).Status; got != fees.Unpaid {
			t.Errorf("after failure: %s", got)
		}
		if n := f.events(t, "ecourt.fees.payment.failed", c.ID); n != 1 {
			t.Errorf("%d failed events, want 1", n)
		}
		// Retrying at the cashier, after the failure, pays.
		f.pay(t, b.ID, "u-party", "pay")
		f.deliver(t, f.sb.Held()...)
		if got := f.mustBill(t, b.ID).Status; got != fees.Paid {
			t.Errorf("after retry: %s", got)
		}

		// Out of order: "failed" arrives after "paid" and does not un-pay.
		c2, b2 := f.bill(t)
		f.pay(t, b2.ID, "u-party", "fail", "pay")
		held := f.sb.Held()
		if len(held) != 2 || !strings.Contains(string(held[0].Body), `"failed"`) {
			t.Fatalf("held %d notifications", len(held))
		}
		if st := f.deliver(t, held[1], held[0], held[1]); st[0] != 200 || st[1] != 200 || st[2] != 200 {
			t.Errorf("statuses %v", st)
		}
		got := f.mustBill(t, b2.ID)
		if got.Status != fees.Paid || got.ReceiptNo == "" {
			t.Errorf("after paid, failed, paid: %+v", got)
		}
		if n := f.events(t, "ecourt.fees.payment.failed", c2.ID); n != 0 {
			t.Errorf("%d failed events, want 0", n)
		}
		if n := f.events(t, "ecourt.fees.payment.succeeded", c2.ID); n != 1 {
			t.Errorf("%d succeeded events, want 1", n)
		}
	})
}

func TestRefund(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		f.pay(t, b.ID, "u-party", "pay")
		f.deliver(t, f.sb.Held()...)
		if _, err := f.s.RefundBill(f.as("u-party"), b.ID, 100, "x"); !errors.Is(err, errs.ErrForbidden) {
			t.Errorf("party refund: %v", err)
		}
		if _, err := f.s.RefundBill(f.as("u-filer"), b.ID, 230_001, "撤诉"); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("refund too large: %v", err)
		}
		// Half back (Art. 15: withdrawal halves the fee).
		var rf fees.Refund
		resp := f.do(t, "POST", "/api/v1/fees/bills/"+b.ID+"/refunds", "u-filer", `{"amount_fen":115000,"reason":"原告撤诉，减半交纳"}`, &rf)
		if resp.StatusCode != 201 || rf.Status != fees.RefundPending {
			t.Fatalf("refund: %d %+v %s", resp.StatusCode, rf, bodyOf(resp))
		}
		if got := f.mustBill(t, b.ID).Status; got != fees.Paid {
			t.Errorf("before the refund callback: %s", got)
		}
		held := f.sb.Held()
		f.deliver(t, held[0], held[0])
		got := f.mustBill(t, b.ID)
		if got.Status != fees.PartlyRefunded || got.RefundedFen != 115_000 {
			t.Errorf("after refund: %+v", got)
		}
		if _, err := f.s.RefundBill(f.as("u-judge"), b.ID, 115_000, "不予受理"); err != nil {
			t.Fatal(err)
		}
		f.deliver(t, f.sb.Held()...)
		if got := f.mustBill(t, b.ID); got.Status != fees.Refunded || got.RefundedFen != 230_000 {
			t.Errorf("after full refund: %+v", got)
		}
		if n := f.events(t, "ecourt.fees.bill.refunded", c.ID); n != 2 {
			t.Errorf("%d refunded events, want 2", n)
		}
		if _, err := f.s.RefundBill(f.as("u-filer"), b.ID, 1, "again"); !errors.Is(err, errs.ErrConflict) {
			t.Errorf("refund a refunded bill: %v", err)
		}
	})
}

func TestOverdue(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c, b := f.bill(t)
		// With a pending aid application a second bill is not overdue.
		c2, b2 := f.bill(t)
		if _, err := f.s.ApplyAid(f.as("u-party"), b2.ID, fees.NewAid{Form: fees.AidDefer, Reason: "交通事故受害人"}); err != nil {
			t.Fatal(err)
		}
		due := b.DueDate.Time() // midnight at the start of the last day
		if n, err := f.s.MarkOverdue(ctx, due.Add(23*time.Hour)); err != nil || n != 0 {
			t.Fatalf("on the last day: %d, %v", n, err)
		}
		n, err := f.s.MarkOverdue(ctx, due.Add(25*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("the day after: %d, %v", n, err)
		}
		if n, _ := f.s.MarkOverdue(ctx, due.Add(50*time.Hour)); n != 0 {
			t.Errorf("second run marked %d", n)
		}
		if got := f.mustBill(t, b.ID).Status; got != fees.Overdue {
			t.Errorf("status %s", got)
		}
		if got := f.mustBill(t, b2.ID).Status; got != fees.Unpaid {
			t.Errorf("bill with pending aid: %s", got)
		}
		if n := f.events(t, "ecourt.fees.bill.overdue", c.ID); n != 1 {
			t.Errorf("%d overdue events", n)
		}
		if n := f.events(t, "ecourt.fees.bill.overdue", c2.ID); n != 0 {
			t.Errorf("%d overdue events for the aided bill", n)
		}
		tl, err := f.cases.Timeline(f.as("u-judge"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		flagged := 0
		for _, e := range tl {
			if e.Type == fees.TimelineOverdue {
				flagged++
			}
		}
		if flagged != 1 {
			t.Errorf("%d timeline entries, want 1", flagged)
		}
		// An overdue bill can still be paid.
		f.pay(t, b.ID, "u-party", "pay")
		f.deliver(t, f.sb.Held()...)
		if got := f.mustBill(t, b.ID).Status; got != fees.Paid {
			t.Errorf("paying an overdue bill: %s", got)
		}
	})
}

func TestAid(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		hash := strings.Repeat("ab", 32)
		tests := []struct {
			user string
			body string
			want int
		}{
			{"u-defendant", `{"form":"reduce","reason":"困难"}`, 403},
			{"u-party", `{"form":"gift","reason":""}`, 400},
			{"u-party", `{"form":"reduce","reason":"困难","attachments":["nothex"]}`, 400},
			{"u-lawyer", `{"form":"reduce","reason":"因自然灾害生活困难","attachments":["` + hash + `"]}`, 201},
			{"u-party", `{"form":"waive","reason":"再次申请"}`, 409},
		}
		var aid fees.Aid
		for _, tt := range tests {
			resp := f.do(t, "POST", "/api/v1/fees/bills/"+b.ID+"/aid", tt.user, tt.body, &aid)
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s: %d, want %d: %s", tt.user, tt.body, resp.StatusCode, tt.want, bodyOf(resp))
			}
		}
		if aid.Status != fees.AidPending || len(aid.Attachments) != 1 {
			t.Fatalf("aid = %+v", aid)
		}
		decide := []struct {
			user string
			body string
			want int
		}{
			{"u-party", `{"approve":true,"new_amount_fen":100000}`, 403},
			{"u-clerk", `{"approve":true,"new_amount_fen":100000}`, 403},
			{"u-judge", `{"approve":true,"new_amount_fen":170000}`, 400}, // less than 30% off
			{"u-judge", `{"approve":true,"new_amount_fen":0}`, 400},
			{"u-judge", `{"approve":true,"new_amount_fen":161000,"new_due_date":"2026-03-20"}`, 200}, // exactly 30% off
			{"u-filer", `{"approve":false,"reason":"x"}`, 409},
		}
		for _, tt := range decide {
			resp := f.do(t, "POST", "/api/v1/fees/aid/"+aid.ID+"/decision", tt.user, tt.body, nil)
			if resp.StatusCode != tt.want {
				t.Errorf("decide %s %s: %d, want %d: %s", tt.user, tt.body, resp.StatusCode, tt.want, bodyOf(resp))
			}
		}
		got := f.mustBill(t, b.ID)
		if got.Status != fees.Reduced || got.AmountFen != 161_000 || got.OriginalFen != 230_000 || got.DueDate.String() != "2026-03-20" {
			t.Errorf("reduced bill = %+v", got)
		}
		if n := f.events(t, "ecourt.fees.aid.decided", c.ID); n != 1 {
			t.Errorf("%d decided events", n)
		}
		// A refusal leaves the bill as it was, with the reason.
		a2, err := f.s.ApplyAid(f.as("u-party"), b.ID, fees.NewAid{Form: fees.AidWaive, Reason: "无固定生活来源"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DecideAid(f.as("u-filer"), a2.ID, fees.AidDecision{}); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("refusal without reason: %v", err)
		}
		a2, err = f.s.DecideAid(f.as("u-filer"), a2.ID, fees.AidDecision{Reason: "证明材料不足"})
		if err != nil || a2.Status != fees.AidRefused {
			t.Fatalf("refuse: %+v, %v", a2, err)
		}
		if got := f.mustBill(t, b.ID); got.Status != fees.Reduced || got.AmountFen != 161_000 {
			t.Errorf("after refusal: %+v", got)
		}
		// The reduced amount is what the payer pays.
		f.pay(t, b.ID, "u-party", "pay")
		f.deliver(t, f.sb.Held()...)
		if got := f.mustBill(t, b.ID); got.Status != fees.Paid || got.PaidFen != 161_000 {
			t.Errorf("paid reduced bill: %+v", got)
		}
		// A waiver approved: nothing to pay.
		_, b3 := f.bill(t)
		a3, err := f.s.ApplyAid(f.as("u-party"), b3.ID, fees.NewAid{Form: fees.AidWaive, Reason: "最低生活保障对象"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.DecideAid(f.as("u-judge"), a3.ID, fees.AidDecision{Approve: true}); err != nil {
			t.Fatal(err)
		}
		if got := f.mustBill(t, b3.ID); got.Status != fees.Waived || got.AmountFen != 0 {
			t.Errorf("waived bill: %+v", got)
		}
		if resp := f.do(t, "POST", "/api/v1/fees/bills/"+b3.ID+"/payments", "u-party", "", nil); resp.StatusCode != 409 {
			t.Errorf("pay a waived bill: %d", resp.StatusCode)
		}
	})
}

func TestPermissions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c, b := f.bill(t)
		tests := []struct {
			method, path, user string
			want               int
		}{
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-party", 200},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-lawyer", 200},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-judge", 200},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-defendant", 403},
			{"GET", "/api/v1/fees/bills/" + b.ID, "u-stranger", 404},
			{"GET", "/api/v1/fees/bills/" + b.ID, "", 401},
			{"GET", "/api/v1/fees/bills/nope", "u-party", 404},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/payments", "u-defendant", 403},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/payments", "u-judge", 403},
			{"POST", "/api/v1/fees/bills/" + b.ID + "/payments", "u-stranger", 404},
			{"GET", "/api/v1/fees/bills/" + b.ID + "/receipt", "u-party", 404}, // not paid yet
			{"GET", "/api/v1/fees/bills/" + b.ID + "/receipt", "u-defendant", 403},
			{"GET", "/fees/bills/" + b.ID, "u-party", 200},
			{"GET", "/fees/bills/" + b.ID, "u-defendant", 403},
			{"GET", "/fees/bills/" + b.ID, "", 303},
		}
		for _, tt := range tests {
			if resp := f.do(t, tt.method, tt.path, tt.user, "", nil); resp.StatusCode != tt.want {
				t.Errorf("%s %s as %q: %d, want %d", tt.method, tt.path, tt.user, resp.StatusCode, tt.want)
			}
		}
		// The case's bill list: the defendant sees none, the payer and staff one.
		for user, want := range map[string]int{"u-defendant": 0, "u-party": 1, "u-lawyer": 1, "u-filer": 1} {
			var list struct{ Items []fees.Bill }
			if resp := f.do(t, "GET", "/api/v1/cases/"+c.ID+"/bills", user, "", &list); resp.StatusCode != 200 || len(list.Items) != want {
				t.Errorf("bills of the case as %s: %d, %d items, want %d", user, resp.StatusCode, len(list.Items), want)
			}
		}
		// The bill page has the breakdown, the deadline and the Pay button.
		body := bodyOf(f.do(t, "GET", "/fees/bills/"+b.ID, "u-party", "", nil))
		for _, want := range []string{"2,300.00", "2026-03-09", "还剩 7 天", `id="pay"`, "2.5%", `name="reason"`} {
			if !strings.Contains(body, want) {
				t.Errorf("bill page lacks %q", want)
			}
		}
		if body := bodyOf(f.do(t, "GET", "/fees/bills/"+b.ID, "u-judge", "", nil)); strings.Contains(body, `id="pay"`) {
			t.Error("the judge is offered the Pay button")
		}
		// The page's Pay button redirects to the cashier.
		resp := f.do(t, "POST", "/fees/bills/"+b.ID+"/pay", "u-party", "action=pay", nil)
		if resp.StatusCode != 303 || !strings.Contains(resp.Header.Get("Location"), "/sandbox-pay/") {
			t.Errorf("Pay button: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestGatewayDown(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		_, b := f.bill(t)
		down := sandbox.New(sandbox.Options{Secret: secret, DeclineCreate: true})
		defer down.Close()
		s := fees.New(f.db, f.cases, f.courts, fees.WithGateway("sandbox", down))
		if _, err := s.StartPayment(f.as("u-party"), b.ID); !errors.Is(err, errs.ErrUnavailable) {
			t.Errorf("declined create: %v", err)
		}
		_ = money.Fen(0)
	})
}

// TestSandboxAutoDelivery runs the sandbox as in the demo: notifications
// are sent at once in the background, with a duplicate.
func TestSandboxAutoDelivery(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		auto := sandbox.New(sandbox.Options{Secret: secret, Duplicates: 1, Clock: f.clk})
		s := fees.New(f.db, f.cases, f.courts, fees.WithGateway("sandbox", auto))
		s.SetBaseURL(f.srv.URL)
		c, b := f.bill(t)
		p, err := s.StartPayment(f.as("u-party"), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		ref := p.GatewayRef
		if err := auto.Pay(ref); err != nil {
			t.Fatal(err)
		}
		auto.Wait()
		auto.Close()
		if got := f.mustBill(t, b.ID).Status; got != fees.Paid {
			t.Errorf("status %s", got)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM fees_callback WHERE order_id = ?`, p.OrderID); n != 2 {
			t.Errorf("%d callbacks received, want 2 (one duplicate)", n)
		}
		if n := f.events(t, "ecourt.fees.payment.succeeded", c.ID); n != 1 {
			t.Errorf("%d succeeded events", n)
		}
	})
}
