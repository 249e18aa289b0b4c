package fees

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

var day = calendar.MustParseDate("2026-03-02")

func yuan(s string) money.Fen {
	f, err := money.ParseYuan(s)
	if err != nil {
		panic(err)
	}
	return f
}

func quote(t *testing.T, req QuoteRequest) Quote {
	t.Helper()
	if req.OnDate == (calendar.Date{}) {
		req.OnDate = day
	}
	q, err := DefaultSchedule().Quote(req)
	if err != nil {
		t.Fatalf("Quote(%+v): %v", req, err)
	}
	var sum money.Fen
	for _, p := range q.Breakdown {
		sum += p.PartFen
	}
	if sum != q.FeeFen {
		t.Errorf("Quote(%+v): parts add up to %d, fee %d", req, sum, q.FeeFen)
	}
	return q
}

// TestWorkedExamples checks the schedule against the worked examples of
// the rules file (§1.2, §1.4) and further figures computed by hand from
// the text of 诉讼费用交纳办法.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		kind     Kind
		amount   string
		province string
		want     string
	}{
		// Art. 13(一), rules file §1.2.
		{Property, "100000", "", "2300"},
		{Property, "1000000", "", "13800"},
		{Property, "20000000", "", "141800"},
		{Property, "50000", "", "1050"},
		{Property, "30000000", "", "191800"},
		{Property, "10000", "", "50"},
		{Property, "200000", "", "4300"},
		{Property, "500000", "", "8800"},
		{Property, "2000000", "", "22800"},
		{Property, "5000000", "", "46800"},
		{Property, "10000000", "", "81800"},
		{Property, "0.01", "", "50"},
		{Property, "5000", "", "50"},
		// Exact to the fen: 50 + 2,345.67 × 2.5% = 108.64175 → 108.64.
		{Property, "12345.67", "", "108.64"},
		// 0.20 yuan × 2.5% = 0.5 fen: half rounds up; 0.02 yuan → 0.05 fen → 0.
		{Property, "10000.20", "", "50.01"},
		{Property, "10000.02", "", "50"},
		{Property, "100000.40", "", "2300.01"},
		// Art. 13(二)–(六); ranges at the Zhejiang demo figure (= minimum).
		{Divorce, "0", "33", "50"},
		{Divorce, "200000", "33", "50"},
		{Divorce, "300000", "33", "550"},
		{PersonalityRights, "0", "", "100"},
		{PersonalityRights, "50000", "", "100"},
		{PersonalityRights, "200000", "", "1100"},
		{NonProperty, "0", "33", "50"},
		{IP, "0", "33", "500"},
		{IP, "100000", "", "2300"},
		{Labour, "0", "", "10"},
		{Administrative, "0", "", "50"},
		{AdministrativeTrademarkPatent, "0", "", "100"},
		{JurisdictionObjection, "0", "", "50"},
		// Art. 14(一), rules file §1.4.
		{Enforcement, "10000", "", "50"},
		{Enforcement, "500000", "", "7400"},
		{Enforcement, "5000000", "", "52400"},
		{Enforcement, "10000000", "", "77400"},
		{Enforcement, "20000000", "", "87400"},
		{Enforcement, "0", "", "50"},
		{ForeignRecognition, "500000", "", "7400"},
		// Art. 14(二): cap 5,000 reached at 896,000.
		{Preservation, "100000", "", "1020"},
		{Preservation, "896000", "", "5000"},
		{Preservation, "895000", "", "4995"},
		{Preservation, "2000000", "", "5000"},
		{Preservation, "500", "", "30"},
		{Preservation, "0", "", "30"},
		// Art. 14(三): a third of 2,300 = 766.666… → 766.67.
		{PaymentOrder, "100000", "", "766.67"},
		{PublicSummons, "0", "", "100"},
		{ArbitrationReview, "0", "", "400"},
		// Art. 14(六): half, at most 300,000. 100M: (141,800 + 400,000)/2.
		{Bankruptcy, "100000000", "", "270900"},
		{Bankruptcy, "200000000", "", "300000"},
		{Bankruptcy, "100000", "", "1150"},
		// Art. 14(七).
		{MaritimeLimitationFund, "0", "33", "1000"},
		{MaritimeInjunction, "0", "", "1000"},
		{MaritimePrioritySummons, "0", "", "1000"},
		{MaritimeClaimRegistration, "0", "", "1000"},
		{MaritimeGeneralAverage, "0", "", "1000"},
	}
	for _, tt := range tests {
		q := quote(t, QuoteRequest{Kind: tt.kind, AmountFen: yuan(tt.amount), Province: tt.province})
		if got, want := q.FeeFen, yuan(tt.want); got != want {
			t.Errorf("%s %s yuan: fee %s, want %s", tt.kind, tt.amount, got.Yuan(), want.Yuan())
		}
		if len(q.Articles) == 0 || q.ScheduleVersion != "2007-04-01" {
			t.Errorf("%s: articles %v, version %q", tt.kind, q.Articles, q.ScheduleVersion)
		}
	}
}

func TestHalving(t *testing.T) {
	tests := []struct {
		name      string
		req       QuoteRequest
		want      string
		halvedBy  Halving
		onceCited bool
	}{
		{"ordinary", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "ordinary"}, "2300", "", false},
		{"simplified", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "simplified"}, "1150", HalveSimplified, false},
		{"small claims", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "small_claims"}, "1150", HalveSimplified, false},
		{"mediation", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Halving: []Halving{HalveMediation}}, "1150", HalveMediation, false},
		{"simplified + mediation is still 50%", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "simplified",
			Halving: []Halving{HalveMediation}}, "1150", HalveSimplified, true},
		{"all four reasons once", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "simplified",
			Halving: []Halving{HalveMediation, HalveWithdrawal, HalveCounterclaim}}, "1150", HalveSimplified, true},
		{"same reason twice", QuoteRequest{Kind: Property, AmountFen: yuan("100000"), Procedure: "simplified",
			Halving: []Halving{HalveSimplified}}, "1150", HalveSimplified, false},
		{"withdrawal + counterclaim", QuoteRequest{Kind: Property, AmountFen: yuan("1000000"),
			Halving: []Halving{HalveCounterclaim, HalveWithdrawal}}, "6900", HalveWithdrawal, true},
		// 2,300.01 / 2 = 1,150.005 → 1,150.01 (half up).
		{"half rounds up", QuoteRequest{Kind: Property, AmountFen: yuan("100000.40"), Procedure: "simplified"}, "1150.01", HalveSimplified, false},
		{"fen exact", QuoteRequest{Kind: Property, AmountFen: yuan("12345.67"), Procedure: "simplified"}, "54.32", HalveSimplified, false},
		{"labour", QuoteRequest{Kind: Labour, Procedure: "simplified"}, "5", HalveSimplified, false},
		{"divorce mediated", QuoteRequest{Kind: Divorce, AmountFen: yuan("300000"), Province: "33", Halving: []Halving{HalveMediation}}, "275", HalveMediation, false},
	}
	for _, tt := range tests {
		q := quote(t, tt.req)
		if got, want := q.FeeFen, yuan(tt.want); got != want {
			t.Errorf("%s: fee %s, want %s", tt.name, got.Yuan(), want.Yuan())
		}
		if q.Halved != (tt.halvedBy != "") || q.HalvedBy != tt.halvedBy {
			t.Errorf("%s: halved %v by %q, want by %q", tt.name, q.Halved, q.HalvedBy, tt.halvedBy)
		}
		n := 0
		for _, p := range q.Breakdown {
			if p.Step == StepHalving {
				n++
			}
		}
		if want := map[bool]int{true: 1, false: 0}[q.Halved]; n != want {
			t.Errorf("%s: %d halving lines, want %d", tt.name, n, want)
		}
		cited := slices.ContainsFunc(q.Articles, func(a string) bool { return strings.Contains(a, "第二百零六条") })
		if cited != tt.onceCited {
			t.Errorf("%s: Art. 206 cited %v, want %v (%v)", tt.name, cited, tt.onceCited, q.Articles)
		}
	}
}

func TestBreakdown(t *testing.T) {
	q := quote(t, QuoteRequest{Kind: Property, AmountFen: yuan("150000")})
	want := []struct {
		step     Step
		from, to string
		rate     string
		part     string
	}{
		{StepFixed, "0", "10000", "", "50"},
		{StepBracket, "10000", "100000", "2.5%", "2250"},
		{StepBracket, "100000", "200000", "2%", "1000"},
	}
	if len(q.Breakdown) != len(want) {
		t.Fatalf("breakdown %+v, want %d parts", q.Breakdown, len(want))
	}
	for i, w := range want {
		p := q.Breakdown[i]
		if p.Step != w.step || p.FromFen != yuan(w.from) || p.ToFen != yuan(w.to) || p.Rate() != w.rate || p.PartFen != yuan(w.part) {
			t.Errorf("part %d = %+v (rate %q), want %+v", i, p, p.Rate(), w)
		}
	}
	// The payment order shows the property brackets and then a third.
	q = quote(t, QuoteRequest{Kind: PaymentOrder, AmountFen: yuan("100000")})
	last := q.Breakdown[len(q.Breakdown)-1]
	if last.Step != StepFraction || last.RateNum != 1 || last.RateDen != 3 || last.BaseFen != yuan("2300") {
		t.Errorf("payment order last part %+v", last)
	}
	// Province figure notes: Zhejiang's configured figure, else the minimum.
	if n := quote(t, QuoteRequest{Kind: NonProperty, Province: "33"}).Breakdown[0].Note; n != "fees.note.province_figure" {
		t.Errorf("Zhejiang note %q", n)
	}
	if n := quote(t, QuoteRequest{Kind: NonProperty, Province: "11"}).Breakdown[0].Note; n != "fees.note.range_minimum" {
		t.Errorf("Beijing note %q", n)
	}
	if got := (Part{RateNum: 1, RateDen: 3}).Rate(); got != "1/3" {
		t.Errorf("Rate 1/3 = %q", got)
	}
}

func TestQuoteInvalid(t *testing.T) {
	tests := []struct {
		req  QuoteRequest
		want []string // field:code
	}{
		{QuoteRequest{Kind: "nope", AmountFen: 1}, []string{"kind:unknown_kind"}},
		{QuoteRequest{}, []string{"kind:required"}},
		{QuoteRequest{Kind: Property, AmountFen: -1}, []string{"amount_fen:negative"}},
		{QuoteRequest{Kind: Property}, []string{"amount_fen:required"}},
		{QuoteRequest{Kind: Property, AmountFen: maxAmount + 1}, []string{"amount_fen:too_large"}},
		{QuoteRequest{Kind: Labour, AmountFen: 100}, []string{"amount_fen:no_amount"}},
		{QuoteRequest{Kind: Property, AmountFen: 100, Procedure: "fast"}, []string{"procedure:unknown_procedure"}},
		{QuoteRequest{Kind: Property, AmountFen: 100, Halving: []Halving{"luck"}}, []string{"halving:unknown_halving"}},
		{QuoteRequest{Kind: Preservation, AmountFen: 100, Halving: []Halving{HalveMediation}}, []string{"halving:not_halvable"}},
		{QuoteRequest{Kind: Enforcement, AmountFen: 100, Procedure: "simplified"}, []string{"halving:not_halvable"}},
		{QuoteRequest{Kind: Property, AmountFen: 100, Province: "zj"}, []string{"province:province"}},
		{QuoteRequest{Kind: Property, AmountFen: 100, OnDate: calendar.MustParseDate("2007-03-31")}, []string{"on_date:no_schedule"}},
		{QuoteRequest{Kind: "nope", AmountFen: -5, Procedure: "x", Province: "1"},
			[]string{"kind:unknown_kind", "amount_fen:negative", "procedure:unknown_procedure", "province:province"}},
	}
	for _, tt := range tests {
		if tt.req.OnDate == (calendar.Date{}) {
			tt.req.OnDate = day
		}
		_, err := DefaultSchedule().Quote(tt.req)
		if !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("Quote(%+v) = %v, want invalid", tt.req, err)
			continue
		}
		e, _ := errs.As(err)
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field+":"+f.Code)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Quote(%+v) fields %v, want %v", tt.req, got, tt.want)
		}
	}
}

func TestLoadScheduleChecks(t *testing.T) {
	bad := []struct{ name, from, to string }{
		{"province figure outside range", `"divorce": "50"`, `"divorce": "301"`},
		{"bracket without article", `{"to": "200000", "rate": "2%", "article": "诉讼费用交纳办法第十三条第（一）项第3目"}`, `{"to": "200000", "rate": "2%", "article": ""}`},
		{"descending brackets", `{"to": "200000", "rate": "2%"`, `{"to": "20000", "rate": "2%"`},
		{"unknown brackets", `"brackets": "preservation", "amount": "optional", "cap"`, `"brackets": "nope", "amount": "optional", "cap"`},
	}
	for _, tt := range bad {
		src := strings.Replace(string(scheduleJSON), tt.from, tt.to, 1)
		if src == string(scheduleJSON) {
			t.Fatalf("%s: replacement not found", tt.name)
		}
		if _, err := LoadSchedule(bytes.NewReader([]byte(src))); err == nil {
			t.Errorf("%s: loaded", tt.name)
		}
	}
	// Every kind of the schedule has a label in the bundle.
	ver, _ := DefaultSchedule().At(day)
	if len(ver.Kinds()) != 21 {
		t.Errorf("%d kinds, want 21", len(ver.Kinds()))
	}
}
