package casefund_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

func statement(c casefile.Case) string {
	ascii := strings.NewReplacer("（", "(", "）", ")").Replace(c.Number)
	return "\ufeff交易日期,贷方金额,对方户名,对方账号,交易流水号,摘要\n" +
		"2026-02-27,\"50,000.00\",李四,6222020012345678,B20260227001," + ascii + " 还款\n" +
		"2026/02/28,1200.5,王某某,,B20260228001,代李四还款\n" +
		"20260228,-20.00,本行,,B20260228002,手续费\n" +
		"2026-02-27,\"50,000.00\",李四,6222020012345678,B20260227001," + ascii + " 还款\n"
}

// TestImportStatement: a line naming the case number (ASCII brackets) is
// matched, an unnamed one is kept for a clerk, a debit is skipped, a line
// repeated in the export counts once; importing again adds nothing; a known
// reference with other content rejects the whole file.
func TestImportStatement(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, false)
		if _, err := f.s.Open(f.as("u-officer"), c.ID); err != nil {
			t.Fatal(err)
		}
		st, err := f.s.ImportStatement(f.as("u-officer"), f.courtID, "流水.csv", strings.NewReader(statement(c)))
		if err != nil {
			t.Fatal(err)
		}
		if st.Lines != 3 || st.Added != 2 || st.Matched != 1 || st.Skipped != 1 || st.Duplicates != 0 || len(st.Unmatched) != 1 {
			t.Errorf("statement %+v", st)
		}
		if u := st.Unmatched[0]; u.Amount != 120_050 || u.On != day("2026-02-28") || u.Payer != "王某某" {
			t.Errorf("unmatched %+v", u)
		}
		if got := f.events(t, casefund.EventReceived, c.ID); got != 1 {
			t.Errorf("received events = %d, want 1", got)
		}

		again, err := f.s.ImportStatement(f.as("u-officer"), f.courtID, "流水.csv", strings.NewReader(statement(c)))
		if err != nil {
			t.Fatal(err)
		}
		if again.Added != 0 || again.Duplicates != 2 || again.Skipped != 1 {
			t.Errorf("re-import %+v", again)
		}

		changed := strings.Replace(statement(c), "1200.5", "1300.5", 1)
		_, err = f.s.ImportStatement(f.as("u-officer"), f.courtID, "流水.csv", strings.NewReader(changed))
		wantField(t, err, "lines.3.reference", "casefund_reference_used")
		if n := f.count(t, `SELECT COUNT(*) FROM casefund_statement`); n != 2 {
			t.Errorf("%d statements, want 2 (the refused one is not stored)", n)
		}

		// The clerk matches the unmatched line.
		un, err := f.s.Unmatched(f.as("u-officer"), f.courtID)
		if err != nil || len(un) != 1 {
			t.Fatalf("Unmatched = %v, %v", un, err)
		}
		r, err := f.s.Match(f.as("u-officer"), un[0].ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.CaseID != c.ID {
			t.Errorf("matched %+v", r)
		}
		_, err = f.s.Match(f.as("u-officer"), un[0].ID, c.ID)
		wantCode(t, err, errs.Conflict, "casefund.error.already_matched")
		if got := f.events(t, casefund.EventReceived, c.ID); got != 2 {
			t.Errorf("received events = %d, want 2", got)
		}
		l, err := f.s.Ledger(f.as("u-creditor"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Received != 5_120_050 || len(l.Receipts) != 2 || l.Receipts[0].PayerAccount != "****5678" {
			t.Errorf("ledger %+v", l)
		}

		// Only enforcement officers and administrators of the court import.
		_, err = f.s.ImportStatement(f.as("u-judge"), f.courtID, "x.csv", strings.NewReader(statement(c)))
		wantCode(t, err, errs.Forbidden, "casefund.error.money_only")
	})
}

func TestParseStatement(t *testing.T) {
	for _, tc := range []struct {
		name, csv   string
		field, code string
		lines       int
		firstAmount money.Fen
	}{
		{name: "english header", csv: "date,amount,payer,reference\n2026-01-02,10.00,A,R1\n", lines: 1, firstAmount: 1000},
		{name: "missing column", csv: "date,amount,payer\n2026-01-02,10.00,A\n", field: "file", code: "casefund_csv_columns"},
		{name: "empty", csv: "", field: "file", code: "casefund_csv_empty"},
		{name: "header only", csv: "date,amount,payer,reference\n", field: "file", code: "casefund_csv_empty"},
		{name: "bad date", csv: "date,amount,payer,reference\n2026-02-30,1,A,R\n", field: "lines.2.date", code: "date"},
		{name: "bad amount", csv: "date,amount,payer,reference\n2026-02-01,1.234,A,R\n", field: "lines.2.amount", code: "casefund_amount"},
		{name: "no reference", csv: "date,amount,payer,reference\n2026-02-01,1,A,\n", field: "lines.2.reference", code: "required"},
		{name: "no payer", csv: "date,amount,payer,reference\n2026-02-01,1,,R\n", field: "lines.2.payer", code: "required"},
		{name: "debit without payer", csv: "date,amount,payer,reference\n2026-02-01,-1,,R\n", lines: 1, firstAmount: -100},
		{name: "quote", csv: "date,amount,payer,reference\n2026-02-01,\"1,A,R\n", field: "lines.2.row", code: "casefund_csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := casefund.ParseStatement(strings.NewReader(tc.csv), 100)
			if tc.code != "" {
				wantField(t, err, tc.field, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.lines || got[0].Amount != tc.firstAmount {
				t.Errorf("got %+v", got)
			}
		})
	}
	if _, err := casefund.ParseStatement(strings.NewReader("date,amount,payer,reference\n2026-01-02,1,A,R1\n2026-01-02,1,A,R2\n"), 1); err == nil {
		t.Error("too many lines accepted")
	}
}

func TestFindCaseNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"(2026)浙0225执1号 还款", "（2026）浙0225执1号"},
		{"还款（2026）浙0225执恢12号", "（2026）浙0225执恢12号"},
		{"案号( 2025 )浙0225执保3号之二", "（2025）浙0225执保3号之二"},
		{"(2026)12345号", ""},
		{"货款", ""},
	} {
		got, ok := casefund.FindCaseNumber(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("FindCaseNumber(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// FuzzParseStatement: any input gives lines or an Invalid error, never a
// panic; every line returned is well-formed.
func FuzzParseStatement(f *testing.F) {
	f.Add([]byte("date,amount,payer,reference,remark\n2026-01-02,\"1,000.00\",A,R1,(2026)浙0225执1号\n"))
	f.Add([]byte("\ufeff交易日期,贷方金额,对方户名,交易流水号\n20260102,-1,,R\n"))
	f.Add([]byte("a,b\n\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lines, err := casefund.ParseStatement(bytes.NewReader(b), 1000)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("error %v is not invalid", err)
			}
			return
		}
		for _, l := range lines {
			if !l.On.Valid() || l.Reference == "" || (l.Credit && (l.Amount <= 0 || l.Payer == "")) {
				t.Fatalf("bad line %+v", l)
			}
		}
		for _, l := range lines {
			casefund.FindCaseNumber(l.Remark)
		}
	})
}
