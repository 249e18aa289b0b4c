package document_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/seal"
)

func TestIssueAndVerify(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c := f.newCase(t)
		d := f.issue(t, c, "test:judgment:1")

		// The record.
		file := f.download(t, d.ID, "u-party")
		sum := sha256.Sum256(file)
		if d.SHA256 != hex.EncodeToString(sum[:]) || d.Size != int64(len(file)) || d.Pages != 2 ||
			d.CaseNumber != c.Number || d.Kind != "judgment" || d.IssuedBy != "u-filer" || !d.IssuedAt.Equal(t0) || d.SealSerial == "" {
			t.Errorf("document = %+v", d)
		}
		if !bytes.Contains(file, []byte("Verification code: "+d.Code)) {
			t.Errorf("the code %s on the paper is not the record's", d.Code)
		}
		// The event for the ledger, in the same transaction.
		var payload string
		if err := f.db.QueryRow(ctx, `SELECT payload FROM bus_outbox WHERE type = ? AND case_id = ?`,
			document.EventIssued, c.ID).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var p document.IssuedPayload
		if err := json.Unmarshal([]byte(payload), &p); err != nil || p != (document.IssuedPayload{DocumentID: d.ID,
			CourtID: f.courtID, CaseID: c.ID, Kind: "judgment", SHA256: d.SHA256}) {
			t.Errorf("event payload %s: %v", payload, err)
		}
		// The case timeline.
		tl, err := f.cases.Timeline(f.as("u-party"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range tl {
			found = found || e.Type == "document.issued" && strings.Contains(string(e.Detail), d.ID) && e.Note == "民事判决书"
		}
		if !found {
			t.Errorf("no document.issued entry on the timeline: %+v", tl)
		}

		// By code, as typed in any case and grouping; the ledger has not
		// appended it yet.
		for _, typed := range []string{d.Code, strings.ToLower(strings.ReplaceAll(d.Code, "-", "")), " " + strings.ReplaceAll(d.Code, "-", " ") + " "} {
			v, err := f.s.VerifyCode(ctx, typed)
			if err != nil {
				t.Fatalf("VerifyCode(%q): %v", typed, err)
			}
			want := document.PublicDocument{CourtName: "象山县人民法院", CourtNameEN: v.Document.CourtNameEN, CourtCode: "浙0225",
				Kind: "judgment", CaseNumber: "（2026）浙0225民初***号", IssuedAt: t0, SHA256: d.SHA256, Size: d.Size, Pages: 2}
			got := *v.Document
			if got.IssuedAt.Equal(want.IssuedAt) {
				got.IssuedAt = want.IssuedAt
			}
			if v.Status != document.StatusValid || got != want || !v.Signature.Valid || v.Signature.SealedBy != "象山县人民法院" ||
				v.Upload != nil || v.Ledger.State != document.LedgerPending {
				t.Errorf("VerifyCode(%q) = %+v %+v %+v", typed, v, v.Document, v.Ledger)
			}
		}
		f.ledger.Append(strings.Repeat("ab", 32))
		f.ledger.Append(d.SHA256)
		v, _ := f.s.VerifyCode(ctx, d.Code)
		if l := v.Ledger; l.State != document.LedgerIncluded || l.LeafIndex != 1 || l.TreeSize != 2 || !strings.Contains(l.ProofURL, d.SHA256) {
			t.Errorf("ledger after append: %+v", l)
		}
		f.ledger.down = true
		if v, _ := f.s.VerifyCode(ctx, d.Code); v.Status != document.StatusValid || v.Ledger.State != document.LedgerUnavailable {
			t.Errorf("ledger down: %+v %+v", v, v.Ledger)
		}
		f.ledger.down = false

		// By upload: the issued file.
		v, err = f.s.VerifyUpload(ctx, file)
		if err != nil || v.Status != document.StatusValid || !v.Upload.Matches || v.Upload.SHA256 != d.SHA256 || v.Document == nil {
			t.Errorf("VerifyUpload(issued) = %+v, %v", v, err)
		}
		// One byte changed: sealed here, but modified.
		bad := bytes.Clone(file)
		bad[len(file)/3] ^= 0x01
		v, err = f.s.VerifyUpload(ctx, bad)
		if err != nil || v.Status != document.StatusInvalid || v.Upload.Matches || v.Signature.Valid ||
			v.Signature.Problem != seal.ProblemModified || v.Signature.SealedBy != "象山县人民法院" || v.Document != nil {
			t.Errorf("VerifyUpload(changed) = %+v, %v", v, err)
		}
		// A PDF this platform never issued: the unsealed original, and one
		// sealed by another installation.
		v, err = f.s.VerifyUpload(ctx, judgmentPDF(t, c.Number, d.Code))
		if err != nil || v.Status != document.StatusNotIssued || v.Signature.Problem != seal.ProblemUnsigned || v.Document != nil {
			t.Errorf("VerifyUpload(unsealed) = %+v, %v", v, err)
		}
		foreign := foreignSealed(t, judgmentPDF(t, c.Number, d.Code))
		v, err = f.s.VerifyUpload(ctx, foreign)
		if err != nil || v.Status != document.StatusNotIssued || v.Signature.Problem != seal.ProblemUntrusted || v.Signature.SealedBy != "" {
			t.Errorf("VerifyUpload(foreign) = %+v, %v", v, err)
		}
		// Sealed by this platform but never issued (not on record).
		direct, err := f.seals.Sign(ctx, f.courtID, judgmentPDF(t, c.Number, ""), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := f.s.VerifyUpload(ctx, direct.PDF); v.Status != document.StatusInvalid || !v.Signature.Valid || v.Upload.Matches {
			t.Errorf("VerifyUpload(not on record) = %+v", v)
		}
		// Not a PDF.
		if _, err := f.s.VerifyUpload(ctx, []byte("GIF89a…")); !hasField(err, "file", "not_pdf") {
			t.Errorf("VerifyUpload(gif) = %v", err)
		}
		// Codes: a typo, an unknown code, a reserved code not yet used.
		typo := []byte(d.Code)
		typo[0] = map[bool]byte{true: 'A', false: 'B'}[typo[0] != 'A']
		if _, err := f.s.VerifyCode(ctx, string(typo)); !hasField(err, "code", "checksum") {
			t.Errorf("VerifyCode(typo) = %v", err)
		}
		if _, err := f.s.VerifyCode(ctx, "12"); !hasField(err, "code", "format") {
			t.Errorf("VerifyCode(short) = %v", err)
		}
		reserved, _ := f.s.ReserveCode(f.as("u-filer"), f.courtID)
		if _, err := f.s.VerifyCode(ctx, reserved); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("VerifyCode(reserved) = %v", err)
		}
	})
}

// foreignSealed seals in with another installation's root.
func foreignSealed(t *testing.T, in []byte) []byte {
	t.Helper()
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	other := newFixture(t, db, clk)
	s, err := other.seals.Sign(context.Background(), other.courtID, in, seal.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s.PDF
}

func hasField(err error, field, code string) bool {
	e, ok := errs.As(err)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

func TestIdempotentIssue(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		first := f.issue(t, c, "filing:app-1:judgment")
		again := f.issue(t, c, "filing:app-1:judgment") // a retry renders again, with a new code
		if again.ID != first.ID || again.SHA256 != first.SHA256 || again.Code != first.Code {
			t.Errorf("retry issued %+v, want %+v", again, first)
		}
		// Concurrent retries.
		var wg sync.WaitGroup
		ids := make([]string, 4)
		pdf := judgmentPDF(t, c.Number, "")
		for i := range ids {
			wg.Go(func() {
				d, err := f.s.Issue(f.as("u-filer"), document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "ruling",
					Title: "民事裁定书", PDF: pdf, IdempotencyKey: "filing:app-1:ruling"})
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = d.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("concurrent retries issued %v", ids)
			}
		}
		for typ, want := range map[string]int{"judgment": 1, "ruling": 1} {
			if n := f.count(t, `SELECT COUNT(*) FROM documents_issued WHERE case_id = ? AND kind = ?`, c.ID, typ); n != want {
				t.Errorf("%d %s documents, want %d", n, typ, want)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND case_id = ?`, document.EventIssued, c.ID); n != 2 {
			t.Errorf("%d issued events, want 2", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM casefile_event WHERE case_id = ? AND type = 'document.issued'`, c.ID); n != 2 {
			t.Errorf("%d timeline entries, want 2", n)
		}
		// The same key for another kind of document is a mistake.
		_, err := f.s.Issue(f.as("u-filer"), document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "mediation",
			Title: "调解书", PDF: pdf, IdempotencyKey: "filing:app-1:judgment"})
		if errs.CodeOf(err) != errs.Conflict {
			t.Errorf("key reused for another kind: %v", err)
		}
	})
}

func TestIssueRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		ctx := f.as("u-filer")
		pdf := judgmentPDF(t, c.Number, "")
		otherCode, _ := f.s.ReserveCode(ctx, f.otherID)
		used := f.issue(t, c, "").Code
		ok := document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "judgment", Title: "民事判决书", PDF: pdf}
		with := func(m func(*document.IssueRequest)) document.IssueRequest { r := ok; m(&r); return r }
		before := f.count(t, `SELECT COUNT(*) FROM documents_issued`)
		tests := []struct {
			name  string
			ctx   context.Context
			req   document.IssueRequest
			code  errs.Code
			field string
		}{
			{"bad kind", ctx, with(func(r *document.IssueRequest) { r.Kind = "Judgment!" }), errs.Invalid, "kind"},
			{"no title", ctx, with(func(r *document.IssueRequest) { r.Title = "  " }), errs.Invalid, "title"},
			{"not a pdf", ctx, with(func(r *document.IssueRequest) { r.PDF = []byte("<html>") }), errs.Invalid, "pdf"},
			{"no court", ctx, with(func(r *document.IssueRequest) { r.CourtID = "" }), errs.Invalid, "court_id"},
			{"malformed code", ctx, with(func(r *document.IssueRequest) { r.Code = "ABC" }), errs.Invalid, "code"},
			{"another court's code", ctx, with(func(r *document.IssueRequest) { r.Code = otherCode }), errs.Invalid, "code"},
			{"used code", ctx, with(func(r *document.IssueRequest) { r.Code = used }), errs.Invalid, "code"},
			{"case of another court", f.as("u-filer"), with(func(r *document.IssueRequest) { r.CourtID = f.otherID }), errs.Invalid, "case_id"},
			{"party may not issue", f.as("u-party"), ok, errs.Forbidden, ""},
			{"stranger", f.as("u-stranger"), ok, errs.NotFound, ""},
			{"signed out", context.Background(), ok, errs.Unauthenticated, ""},
		}
		for _, tt := range tests {
			_, err := f.s.Issue(tt.ctx, tt.req)
			if errs.CodeOf(err) != tt.code {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
				continue
			}
			if e, _ := errs.As(err); tt.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.field) {
				t.Errorf("%s: fields %+v, want %s", tt.name, e.Fields, tt.field)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM documents_issued`); n != before {
			t.Errorf("%d documents after refusals, want %d", n, before)
		}
		// A background consumer issues as the system.
		d, err := f.s.Issue(casefile.AsSystem(context.Background()), ok)
		if err != nil || d.IssuedBy != "" || d.Code == "" {
			t.Errorf("system issue: %+v, %v", d, err)
		}
	})
}

// flakyCases fails the first AddEvent, like a database hiccup between
// the document's commit and the timeline's.
type flakyCases struct {
	document.Cases
	mu    sync.Mutex
	fails int
}

func (c *flakyCases) AddEvent(ctx context.Context, caseID string, e casefile.Event) (casefile.Event, error) {
	c.mu.Lock()
	fail := c.fails > 0
	c.fails--
	c.mu.Unlock()
	if fail {
		return casefile.Event{}, errs.New(errs.Unavailable, "")
	}
	return c.Cases.AddEvent(ctx, caseID, e)
}

func TestTimelineRepairedOnRetry(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		s := document.New(f.db, document.Deps{Cases: &flakyCases{Cases: f.cases, fails: 1}, Courts: f.courts, Seals: f.seals, Blobs: f.blobs})
		req := document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "acceptance_notice", Title: "受理通知书",
			PDF: judgmentPDF(t, c.Number, ""), IdempotencyKey: "filing:app-9:acceptance_notice"}
		d, err := s.Issue(f.as("u-filer"), req)
		if err == nil || d.ID == "" {
			t.Fatalf("first Issue: %+v, %v; want the document and the timeline error", d, err)
		}
		again, err := s.Issue(f.as("u-filer"), req)
		if err != nil || again.ID != d.ID {
			t.Fatalf("retry: %+v, %v", again, err)
		}
		s.Issue(f.as("u-filer"), req) // a third call adds nothing
		if n := f.count(t, `SELECT COUNT(*) FROM casefile_event WHERE case_id = ? AND type = 'document.issued'`, c.ID); n != 1 {
			t.Errorf("%d timeline entries, want 1", n)
		}
	})
}

func TestAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t)
		d := f.issue(t, c, "")
		for user, want := range map[string]errs.Code{"u-party": "", "u-lawyer": "", "u-defendant": "", "u-judge": "",
			"u-stranger": errs.NotFound, "u-other": errs.NotFound, "": errs.Unauthenticated} {
			ctx := context.Background()
			if user != "" {
				ctx = f.as(user)
			}
			docs, err := f.s.ListCase(ctx, c.ID)
			if errs.CodeOf(err) != want || (want == "" && (len(docs) != 1 || docs[0].ID != d.ID)) {
				t.Errorf("ListCase as %q: %v, %v; want %q", user, docs, err, want)
			}
			if _, err := f.s.Find(ctx, d.ID); errs.CodeOf(err) != want {
				t.Errorf("Find as %q: %v; want %q", user, err, want)
			}
			if _, rc, err := f.s.Open(ctx, d.ID); errs.CodeOf(err) != want {
				t.Errorf("Open as %q: %v; want %q", user, err, want)
			} else if err == nil {
				rc.Close()
			}
		}
		// A document outside any case: the court's staff only.
		loose, err := f.s.Issue(f.as("u-filer"), document.IssueRequest{CourtID: f.courtID, Kind: "notice", Title: "公告",
			PDF: judgmentPDF(t, "", "")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Find(f.as("u-clerk"), loose.ID); err != nil {
			t.Errorf("staff reading a court document: %v", err)
		}
		for _, u := range []string{"u-party", "u-other"} {
			if _, err := f.s.Find(f.as(u), loose.ID); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("%s reading a court document: %v", u, err)
			}
		}
		// Downloads are audited, and so are refusals (by the casefile).
		for action, want := range map[string]int{"document.document.download": 4, "casefile.case.denied": 6} {
			if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND case_id = ?`, action, c.ID); n != want {
				t.Errorf("%d %s audit entries, want %d", n, action, want)
			}
		}
		entries, err := audit.ListForCase(context.Background(), f.db, c.ID, 1000)
		if err != nil {
			t.Fatal(err)
		}
		var party bool
		for _, e := range entries {
			party = party || e.Action == "document.document.download" && e.ActorID == "u-party" && e.Target == d.ID
		}
		if !party {
			t.Error("the party's download is not in the case's audit trail")
		}
	})
}

func TestReserveCode(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk)
	seen := map[string]bool{}
	for range 200 {
		code, err := f.s.ReserveCode(context.Background(), f.courtID)
		if err != nil {
			t.Fatal(err)
		}
		if seen[code] || len(code) != 19 || code[4] != '-' {
			t.Fatalf("code %q", code)
		}
		if _, err := document.ParseCode(code); err != nil {
			t.Fatalf("ParseCode(%q): %v", code, err)
		}
		seen[code] = true
	}
	if _, err := f.s.ReserveCode(context.Background(), ""); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("ReserveCode without a court: %v", err)
	}
}
