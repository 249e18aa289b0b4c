package exhibit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, court.Migrations, casefile.Migrations, exhibit.Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, clock.China).UTC()

func day(s string) calendar.Date { return calendar.MustParseDate(s) }

// A minimal PDF with a cross-reference table (accepted by filing.CheckPDF).
var pdfBytes = func() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	off1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	off2 := b.Len()
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	off3 := b.Len()
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n")
	xref := b.Len()
	b.WriteString("xref\n0 4\n0000000000 65535 f \n")
	for _, o := range []int{off1, off2, off3} {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	b.WriteString("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}()

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 60)...)

// wavBytes is a RIFF/WAVE header with a little silence.
var wavBytes = append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"), bytes.Repeat([]byte{0}, 32)...)

type courtAdapter struct{ c *court.Service }

func (a courtAdapter) CaseCourt(ctx context.Context, id string) (casefile.CourtRef, error) {
	ct, err := a.c.CaseCourt(ctx, id)
	if err != nil {
		return casefile.CourtRef{}, err
	}
	return casefile.CourtRef{ID: ct.ID, Code: ct.Code}, nil
}

func (a courtAdapter) IsAbove(ctx context.Context, upper, lower string) (bool, error) {
	return a.c.IsAbove(ctx, upper, lower)
}

type staff map[string][]auth.Grant

func (st staff) HasRole(_ context.Context, account, courtID string, role auth.Role) (bool, error) {
	for _, g := range st[account] {
		if g.CourtID == courtID && g.Role == role {
			return true, nil
		}
	}
	return false, nil
}

// hearings is the fake hearing context: a map of hearing ID to case ID.
type hearings map[string]string

func (h hearings) FindHearing(_ context.Context, id string) (exhibit.HearingRef, error) {
	c, ok := h[id]
	if !ok {
		return exhibit.HearingRef{}, errs.New(errs.NotFound, "")
	}
	return exhibit.HearingRef{ID: id, CaseID: c}, nil
}

// seats are the fake hearing rooms' participants, by hearing ID and
// account ("h-1/u-witness"): where each stands in the room now.
type seats map[string]exhibit.Attendee

// hearingFake is the fake hearing context: hearings and their rooms.
type hearingFake struct {
	hearings
	seats
}

func (h hearingFake) FindAttendee(ctx context.Context, id string) (exhibit.Attendee, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return exhibit.Attendee{}, err
	}
	if _, ok := h.hearings[id]; !ok {
		return exhibit.Attendee{}, errs.New(errs.NotFound, "")
	}
	a, ok := h.seats[id+"/"+p.UserID]
	if !ok {
		return exhibit.Attendee{}, errs.New(errs.NotFound, "")
	}
	return a, nil
}

// filings is the fake filing context: the filed evidence per case.
type filings map[string][]exhibit.FiledItem

func (f filings) FiledEvidence(_ context.Context, caseID string) ([]exhibit.FiledItem, error) {
	return f[caseID], nil
}

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	cases   *casefile.Service
	blobs   blob.Store
	s       *exhibit.Service
	h       http.Handler
	hear    hearings
	seats   seats
	filed   filings
	courtID string
	people  staff
}

func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		fn(t, newFixture(t, db, clk))
	})
}

func newFixture(t testing.TB, db *sqldb.DB, clk *clock.Fixed) *fixture {
	clk.Set(t0)
	ctx := context.Background()
	cs := court.New(db, nil)
	if _, err := cs.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	ct, err := cs.Resolve(ctx, "浙0225")
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clk: clk, courtID: ct.ID, blobs: blobs, hear: hearings{}, seats: seats{}, filed: filings{}}
	f.people = staff{
		"u-filer":      {{CourtID: ct.ID, Role: auth.FilingOfficer}},
		"u-judge":      {{CourtID: ct.ID, Role: auth.Judge}},
		"u-clerk":      {{CourtID: ct.ID, Role: auth.Clerk}},
		"u-otherjudge": {{CourtID: ct.ID, Role: auth.Judge}},
		"u-party":      {{Role: auth.Litigant}},
		"u-lawyer":     {{Role: auth.Lawyer}},
		"u-defendant":  {{Role: auth.Litigant}},
		"u-coplain":    {{Role: auth.Litigant}},
		"u-stranger":   {{Role: auth.Litigant}},
		"u-witness":    {{Role: auth.Litigant}},
	}
	f.cases = casefile.New(db, courtAdapter{cs}, casefile.WithStaff(f.people))
	f.s = exhibit.New(db, exhibit.Deps{Cases: f.cases, Blobs: blobs, Filings: f.filed, Hearings: f.hearings(), TempDir: t.TempDir()})
	f.h = f.handler(t)
	return f
}

// hearings returns the fake hearing context of the fixture.
func (f *fixture) hearings() hearingFake { return hearingFake{f.hear, f.seats} }

// seat puts user into the room of hearing hid as a participant of kind
// (admitted or not), as the hearing context would report them.
func (f *fixture) seat(hid, user, kind string, admitted bool) {
	f.seats[hid+"/"+user] = exhibit.Attendee{HearingID: hid, CaseID: f.hear[hid], CourtID: f.courtID, Identity: kind + "-" + user,
		Kind: kind, Admitted: admitted}
}

func catalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.New(i18n.Platform(), exhibit.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func (f *fixture) handler(t testing.TB) http.Handler {
	cat := catalog(t)
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{
		{Namespace: "exhibit", FS: exhibit.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Routes(mux)
	f.s.Pages(mux, rd)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.Configure(web.Options{Renderer: rd}))
}

func (f *fixture) as(user string) context.Context { return f.asCtx(context.Background(), user) }

func (f *fixture) asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// newCase creates a civil case (procedure proc): plaintiff 张三 (u-party,
// with lawyer u-lawyer), defendant 李四 (u-defendant), judge u-judge,
// clerk u-clerk.
func (f *fixture) newCase(t testing.TB, proc casefile.Procedure) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: proc,
		Parties: []casefile.NewParty{
			{Role: casefile.Plaintiff, Kind: casefile.Person, Name: "张三", IDType: "resident_id", IDNumber: "33022519800101123X",
				Phone: "13800005678", Address: "浙江省宁波市象山县丹东街道", AccountID: "u-party"},
			{Role: casefile.Defendant, Kind: casefile.Person, Name: "李四", IDType: "resident_id", IDNumber: "330225198001011234",
				Phone: "13800001234", AccountID: "u-defendant"},
		},
		Representatives: []casefile.NewRepresentative{
			{PartyIndex: 0, Kind: casefile.Lawyer, Name: "王律师", AccountID: "u-lawyer", LicenceNo: "13302201010123456",
				Firm: "浙江某律师事务所", Phone: "13900001111"},
		},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if c, err = f.cases.Assign(f.as("u-filer"), c.ID, casefile.Assignment{JudgeID: "u-judge", ClerkID: "u-clerk"}); err != nil {
		t.Fatalf("Assign: %v", err)
	}
	// Both parties agree to the online evidence exchange (Art. 4).
	for i, u := range []string{"u-party", "u-defendant"} {
		if _, err := f.cases.SetConsent(f.as(u), c.ID, c.Parties[i].ID, casefile.StageEvidence, true, casefile.HowPlatform); err != nil {
			t.Fatalf("SetConsent(%s): %v", u, err)
		}
	}
	return c
}

func plaintiff(c casefile.Case) string { return c.Parties[0].ID }
func defendant(c casefile.Case) string { return c.Parties[1].ID }

// submit uploads a PDF exhibit as user.
func (f *fixture) submit(t testing.TB, c casefile.Case, user, name string) exhibit.Exhibit {
	t.Helper()
	e, err := f.s.Submit(f.as(user), c.ID, exhibit.Upload{Name: name, Purpose: "证明借款事实", FileName: name + ".pdf",
		Body: bytes.NewReader(append(append([]byte(nil), pdfBytes...), []byte("% "+name+"\n")...))})
	if err != nil {
		t.Fatalf("Submit(%s): %v", name, err)
	}
	return e
}

// openExchange opens an exchange from today for 7 days as the judge.
func (f *fixture) openExchange(t testing.TB, c casefile.Case) exhibit.Exchange {
	t.Helper()
	today := calendar.Today(f.clk)
	x, err := f.s.OpenExchange(f.as("u-judge"), c.ID, exhibit.ExchangeInput{Start: today, End: today.Plus(7), Note: "非同步证据交换", Agreed: true})
	if err != nil {
		t.Fatalf("OpenExchange: %v", err)
	}
	return x
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) events(t *testing.T, typ, caseID string) int {
	return f.count(t, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND case_id = ?`, typ, caseID)
}

func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("error = %v, want %s %s", err, code, key)
	}
}

func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if ok {
		for _, fe := range e.Fields {
			if fe.Field == field && fe.Code == code {
				return
			}
		}
	}
	t.Fatalf("error = %v, want field %s:%s", err, field, code)
}

// do sends a request as user through the real router.
func (f *fixture) do(t *testing.T, method, path, user, contentType string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

// multipartBody builds a multipart form with fields and a file part.
func multipartBody(fields map[string]string, fileName string, file []byte) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if file != nil {
		fw, _ := w.CreateFormFile("file", fileName)
		fw.Write(file)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func decode(t *testing.T, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode: %v\n%s", err, rec.Body)
	}
}
