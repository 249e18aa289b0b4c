package filing

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/web/openapitest"
)

// spooled checks files for CreateFiling as the handler does; they are
// closed when the test ends.
func (f fixture) spooled(t *testing.T, ups ...Upload) ([]*SpooledFile, map[int]error) {
	t.Helper()
	var files []*SpooledFile
	refused := map[int]error{}
	for i, up := range ups {
		sf, err := f.s.SpoolUpload(up)
		if err != nil {
			refused[i] = err
		}
		files = append(files, sf)
		t.Cleanup(func() { sf.Close() })
	}
	return files, refused
}

func iou() Upload {
	return Upload{Role: RoleEvidence, Name: "借条", Purpose: "证明借款事实", Source: "原告持有", FileName: "iou.pdf",
		Body: bytes.NewReader(samplePDF("借条"))}
}

func transferPhoto() Upload {
	return Upload{Role: RoleEvidence, Name: "转账记录", Purpose: "证明款项已交付", FileName: "transfer.jpg", Body: bytes.NewReader(sampleJPEG())}
}

func lendingDraft(f fixture) NewDraft {
	return NewDraft{CourtID: f.court.ID, TemplateID: "private_lending", Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}
}

func countRows(t testing.TB, f fixture, table string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateFilingInOneRequest(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		files, refused := f.spooled(t, iou(), transferPhoto())
		if len(refused) != 0 {
			t.Fatalf("refused: %v", refused)
		}
		a, replayed, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f), Files: files, Submit: true}, Once{})
		if err != nil || replayed {
			t.Fatalf("CreateFiling: %v (replayed %v)", err, replayed)
		}
		if a.Status != Submitted || a.SubmittedAt == nil || a.Clock == nil {
			t.Fatalf("status %s submitted_at %v clock %v", a.Status, a.SubmittedAt, a.Clock)
		}
		// Submitted Monday 2026-03-02: CPL Art. 126's 7 days from Tuesday → Monday 2026-03-09.
		if got, want := a.Clock.Deadline, "2026-03-09"; got != want {
			t.Errorf("deadline %s, want %s", got, want)
		}
		if a.ClaimTotalFen < 5_000_000 {
			t.Errorf("claim total %d, want at least 5,000,000", a.ClaimTotalFen)
		}
		// The answer is exactly what a fresh read returns.
		got, err := f.s.Get(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, a, cmp.AllowUnexported(Application{})); diff != "" {
			t.Errorf("CreateFiling's answer differs from a fresh read (-read +answer):\n%s", diff)
		}
		var names []string
		for _, e := range got.Evidence {
			names = append(names, e.Name+"/"+e.Kind)
			if e.SHA256 == "" || e.UploadedBy != uLitigant {
				t.Errorf("evidence %+v", e)
			}
		}
		if want := []string{"借条/pdf", "转账记录/jpeg"}; !slices.Equal(names, want) {
			t.Errorf("evidence %v, want %v", names, want)
		}
		// The same events, timeline, audit entries and job as the three steps.
		if n := countOutbox(t, f.db, "ecourt.filing.application.submitted", a.ID); n != 1 {
			t.Errorf("%d submitted events, want 1", n)
		}
		if n := countOutbox(t, f.db, EventEvidenceAdded, a.ID); n != 2 {
			t.Errorf("%d evidence events, want 2", n)
		}
		for action, want := range map[string]int{"filing.application.create": 1, "filing.evidence.add": 2, "filing.application.submitted": 1} {
			if n := countAudit(t, f.db, action, a.ID, uLitigant); n != want {
				t.Errorf("%d audit entries %s, want %d", n, action, want)
			}
		}
		evs, err := f.s.Timeline(f.as(uLitigant), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		slices.Sort(types)
		if want := []string{"created", "evidence_added", "evidence_added", "submitted"}; !slices.Equal(types, want) {
			t.Errorf("timeline %v, want %v", types, want)
		}
		if got, want := findJob(t, f.db, JobDeadline, a.ID), dueAt(a.deadline); !got.Equal(want) {
			t.Errorf("register-by-default job at %v, want %v", got, want)
		}
		// The blobs are in the store: the small ones in the database, stored
		// in the filing's own transaction.
		_, rc, err := f.s.OpenEvidence(f.as(uOfficer), a.ID, got.Evidence[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		for _, e := range got.Evidence {
			var n int
			if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM blob_inline WHERE sha256 = ?`, e.SHA256).Scan(&n); err != nil || n != 1 {
				t.Errorf("evidence %s: %d inline blobs (%v), want 1", e.Name, n, err)
			}
		}
		// The officer decides it like any other.
		if _, err := f.s.Accept(f.as(uOfficer), a.ID, "simplified"); err != nil {
			t.Errorf("Accept: %v", err)
		}
	})
}

func TestCreateFilingWithoutSubmitIsADraft(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		files, _ := f.spooled(t, iou())
		a, _, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f), Files: files}, Once{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != Draft || len(a.Evidence) != 1 || a.Clock != nil {
			t.Fatalf("status %s, %d files, clock %v", a.Status, len(a.Evidence), a.Clock)
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.submitted", a.ID); n != 0 {
			t.Errorf("%d submitted events, want 0", n)
		}
		if a, _, err = f.s.Submit(f.as(uLitigant), a.ID, Once{}); err != nil || a.Status != Submitted {
			t.Errorf("Submit afterwards: %v", err)
		}
	})
}

func TestCreateFilingReportsEverythingAndWritesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		tables := []string{"filing_application", "filing_evidence", "filing_event", "bus_outbox", "audit_log", "jobs_job"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = countRows(t, f, tb)
		}
		bad := iou()
		bad.Body = bytes.NewReader(encryptedPDF())
		noPurpose := transferPhoto()
		noPurpose.Purpose = ""
		d := lendingDraft(f)
		d.CourtID = "no-such-court"
		files, refused := f.spooled(t, bad, noPurpose)
		_, _, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: d, Files: files, Refused: refused, Submit: true}, Once{})
		for _, want := range []string{"court_id:filing_court", "evidence[0].file:filing_pdf_encrypted", "evidence[1].purpose:required"} {
			if !slices.Contains(fieldCodes(err), want) {
				t.Errorf("errors %v lack %s", fieldCodes(err), want)
			}
		}
		// A complete draft without evidence cannot be submitted (民诉法 Art. 124(四)).
		_, _, err = f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f), Submit: true}, Once{})
		if !slices.Contains(fieldCodes(err), "evidence:filing_evidence_required") {
			t.Errorf("submit without evidence: %v", fieldCodes(err))
		}
		// Answers the template requires are reported at once too.
		d = lendingDraft(f)
		delete(d.Answers, "principal")
		files, _ = f.spooled(t, iou())
		_, _, err = f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: d, Files: files, Submit: true}, Once{})
		if !hasCode(err, "answers.principal:required") {
			t.Errorf("missing principal: %v", fieldCodes(err))
		}
		if _, _, err := f.s.CreateFiling(f.as(uUnverif), NewFiling{Draft: lendingDraft(f)}, Once{}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("unverified: %v, want forbidden", err)
		}
		for _, tb := range tables {
			if n := countRows(t, f, tb); n != before[tb] {
				t.Errorf("%s: %d rows, %d before", tb, n, before[tb])
			}
		}
	})
}

func TestCreateFilingIdempotentUnderConcurrentRetries(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		once := Once{Key: "whole-1", RequestHash: "w1"}
		var wg sync.WaitGroup
		ids := make([]string, 12)
		errsOut := make([]error, 12)
		for i := range ids {
			files, _ := f.spooled(t, iou())
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, _, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f), Files: files, Submit: true}, once)
				errsOut[i] = err
				if err == nil {
					ids[i] = a.ID
				}
			}()
		}
		wg.Wait()
		for i, err := range errsOut {
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if ids[i] != ids[0] {
				t.Fatalf("request %d got %s, request 0 %s", i, ids[i], ids[0])
			}
		}
		if n := countRows(t, f, "filing_application"); n != 1 {
			t.Errorf("%d applications, want 1", n)
		}
		if n := countRows(t, f, "filing_evidence"); n != 1 {
			t.Errorf("%d evidence rows, want 1", n)
		}
		if n := countOutbox(t, f.db, "ecourt.filing.application.submitted", ids[0]); n != 1 {
			t.Errorf("%d submitted events, want 1", n)
		}
		if _, _, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f)}, Once{Key: "whole-1", RequestHash: "w2"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("same key, other request: %v, want conflict", err)
		}
	})
}

// wholeFiling builds the multipart body of a whole filing: the draft, the
// submit flag and each file preceded by its fields.
func wholeFiling(t *testing.T, draft []byte, submit string, files ...Upload) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="draft"`)
	h.Set("Content-Type", "application/json")
	pw, _ := mw.CreatePart(h)
	pw.Write(draft) //nolint:errcheck
	if submit != "" {
		mw.WriteField("submit", submit) //nolint:errcheck
	}
	for _, up := range files {
		for k, v := range map[string]string{"role": up.Role, "name": up.Name, "purpose": up.Purpose, "source": up.Source} {
			if v != "" {
				mw.WriteField(k, v) //nolint:errcheck
			}
		}
		fw, _ := mw.CreateFormFile("file", up.FileName)
		buf := new(bytes.Buffer)
		buf.ReadFrom(up.Body) //nolint:errcheck
		fw.Write(buf.Bytes()) //nolint:errcheck
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

func TestWholeFilingAPI(t *testing.T) {
	check := openapitest.New(t, openAPIDoc(t))
	forEachDB(t, func(t *testing.T, f fixture) {
		mux := http.NewServeMux()
		(&HTTP{S: f.s}).Routes(mux)
		h := f.testUser(mux)
		do := func(user, ctype string, body []byte, key string, want int) []byte {
			t.Helper()
			req := httptest.NewRequest("POST", "/api/v1/filing/applications", bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if user != "" {
				req.Header.Set("X-Test-User", user)
			}
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				t.Fatalf("as %q: %d, want %d: %s", user, rec.Code, want, rec.Body)
			}
			check.Check(t, "POST", "/api/v1/filing/applications", req.Header, body, rec)
			return rec.Body.Bytes()
		}
		draft, _ := json.Marshal(lendingDraft(f))
		ct, body := wholeFiling(t, draft, "true", iou(), transferPhoto())
		do("", ct, body, "", 401)
		do(uUnverif, ct, body, "", 403)
		var a, again Application
		json.Unmarshal(do(uLitigant, ct, body, "one-1", 201), &a) //nolint:errcheck
		if a.Status != Submitted || len(a.Evidence) != 2 || a.Evidence[1].Purpose != "证明款项已交付" {
			t.Fatalf("whole filing: status %s, evidence %+v", a.Status, a.Evidence)
		}
		// A retry, even with another boundary, replays the first outcome.
		ct2, body2 := wholeFiling(t, draft, "true", iou(), transferPhoto())
		json.Unmarshal(do(uLitigant, ct2, body2, "one-1", 201), &again) //nolint:errcheck
		if again.ID != a.ID {
			t.Errorf("retry: %s, want %s", again.ID, a.ID)
		}
		// The same key with other files is a conflict.
		ct3, body3 := wholeFiling(t, draft, "true", iou())
		do(uLitigant, ct3, body3, "one-1", 409)
		// Problems of the files and of the submission, all at once.
		bad := iou()
		bad.Body = bytes.NewReader(encryptedPDF())
		ct, body = wholeFiling(t, draft, "true", bad)
		var e struct {
			Error struct {
				Fields []struct {
					Field, Code string
				} `json:"fields"`
			} `json:"error"`
		}
		json.Unmarshal(do(uLitigant, ct, body, "", 400), &e) //nolint:errcheck
		var fields []string
		for _, x := range e.Error.Fields {
			fields = append(fields, x.Field+":"+x.Code)
		}
		if !slices.Contains(fields, "evidence[0].file:filing_pdf_encrypted") || !slices.Contains(fields, "evidence:filing_evidence_required") {
			t.Errorf("errors %v", fields)
		}
		ct, body = wholeFiling(t, []byte(`{"court_id":`), "true")
		do(uLitigant, ct, body, "", 400)
		// Without submit: a draft with its files.
		ct, body = wholeFiling(t, draft, "", iou())
		var d Application
		json.Unmarshal(do(uLitigant, ct, body, "", 201), &d) //nolint:errcheck
		if d.Status != Draft || len(d.Evidence) != 1 {
			t.Errorf("draft: status %s, %d files", d.Status, len(d.Evidence))
		}
	})
}

// A file larger than what is held in memory goes through a temporary file,
// is stored whole, and leaves no temporary file behind.
func TestLargeUploadIsSpooledToDiskAndStoredWhole(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		big := append(samplePNG(), bytes.Repeat([]byte{0x5A}, spoolInMemory+12345)...)
		small := samplePNG()
		files, refused := f.spooled(t, Upload{Role: RoleEvidence, Name: "照片", Purpose: "证明", Body: bytes.NewReader(big)},
			Upload{Role: RoleEvidence, Name: "小照片", Purpose: "证明", Body: bytes.NewReader(small)})
		if len(refused) != 0 {
			t.Fatal(refused)
		}
		a, _, err := f.s.CreateFiling(f.as(uLitigant), NewFiling{Draft: lendingDraft(f), Files: files, Submit: true}, Once{})
		if err != nil {
			t.Fatal(err)
		}
		e, err := f.s.AddEvidence(f.as(uLitigant), f.draft(t).ID, Upload{Role: RoleEvidence, Name: "照片", Purpose: "证明",
			Body: bytes.NewReader(big)})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range [][]byte{big, small} {
			_, rc, err := f.s.OpenEvidence(f.as(uLitigant), a.ID, a.Evidence[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			got.ReadFrom(rc) //nolint:errcheck
			rc.Close()
			if !bytes.Equal(got.Bytes(), want) || a.Evidence[i].Size != int64(len(want)) {
				t.Errorf("file %d: %d bytes stored (size %d), want %d", i, got.Len(), a.Evidence[i].Size, len(want))
			}
		}
		if e.SHA256 != a.Evidence[0].SHA256 {
			t.Errorf("the same content hashed %s and %s", e.SHA256, a.Evidence[0].SHA256)
		}
		for _, sf := range files {
			sf.Close()
		}
		if left, _ := os.ReadDir(f.s.deps.TempDir); len(left) != 0 {
			t.Errorf("%d temporary files left", len(left))
		}
	})
}

// TestClaimTotalPrecomputed checks that the amount in dispute worked out
// before a submission's transaction is used only on the China date it was
// worked out for: across midnight the complaint (interest to date) is
// built again.
func TestClaimTotalPrecomputed(t *testing.T) {
	forEachDB(t, func(t *testing.T, f fixture) {
		a := f.draft(t)
		now := f.clk.Now()
		pre := precompute(a, now)
		if pre.err != nil || pre.total <= 0 {
			t.Fatalf("precompute: %d, %v", pre.total, pre.err)
		}
		want := pre.total
		pre.total = -1 // a marker: used only on the same day
		day := calendar.DateOf(now.In(clock.China))
		if got, err := pre.at(a, day, now); err != nil || got != -1 {
			t.Errorf("same day: %d, %v; want the precomputed -1", got, err)
		}
		next := now.Add(24 * time.Hour)
		if got, err := pre.at(a, calendar.DateOf(next.In(clock.China)), next); err != nil || got < want {
			t.Errorf("next day: %d, %v; want the complaint built again (at least %d)", got, err, want)
		}
		var none *claimTotal
		if got, err := none.at(a, day, now); err != nil || got != want {
			t.Errorf("without a precomputed total: %d, %v; want %d", got, err, want)
		}
	})
}
