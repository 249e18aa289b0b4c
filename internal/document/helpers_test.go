package document_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/document"
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
	"github.com/ecourt/ecourt/internal/seal"
	webassets "github.com/ecourt/ecourt/web"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, court.Migrations, casefile.Migrations,
	seal.Migrations, document.Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	courts  *court.Service
	cases   *casefile.Service
	seals   *seal.Service
	blobs   blob.Store
	ledger  *fakeLedger
	s       *document.Service
	srv     *httptest.Server
	rd      *web.Renderer
	courtID string // 象山县人民法院 (浙0225)
	otherID string // 宁波市中级人民法院 (浙02)
	people  map[string][]auth.Grant
}

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

// fakeLedger stands in for the ledger context: hashes are appended in
// order (as its consumer of EventIssued would) and answer with their leaf
// index; down makes it fail like an unreachable service.
type fakeLedger struct {
	mu     sync.Mutex
	leaves []string
	down   bool
}

func (l *fakeLedger) Append(sum string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaves = append(l.leaves, sum)
}

func (l *fakeLedger) Inclusion(_ context.Context, sum []byte) (document.LedgerStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return document.LedgerStatus{}, errors.New("ledger: connection refused")
	}
	if len(sum) != 32 {
		return document.LedgerStatus{}, fmt.Errorf("ledger: want a SHA-256, got %d bytes", len(sum))
	}
	h := hex.EncodeToString(sum)
	for i, leaf := range l.leaves {
		if leaf == h {
			return document.LedgerStatus{Included: true, LeafIndex: int64(i), TreeSize: int64(len(l.leaves)),
				ProofURL: fmt.Sprintf("/api/v1/ledger/proofs/%s?tree_size=%d", h, len(l.leaves))}, nil
		}
	}
	return document.LedgerStatus{}, errs.New(errs.NotFound, "ledger.error.not_logged") // as the real ledger says it
}

// forEachDB builds the real court, casefile, seal and document services
// behind a real HTTP server, on SQLite and, when configured, PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		fn(t, newFixture(t, db, clk))
	})
}

func newFixture(t testing.TB, db *sqldb.DB, clk *clock.Fixed, opts ...document.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	cs := court.New(db, nil)
	if _, err := cs.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := cs.Resolve(ctx, "浙0225")
	if err != nil {
		t.Fatal(err)
	}
	b, err := cs.Resolve(ctx, "浙02")
	if err != nil {
		t.Fatal(err)
	}
	seals, err := seal.New(ctx, db, filepath.Join(t.TempDir(), "seals"), cs, seal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "blobs"), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clk: clk, courts: cs, cases: casefile.New(db, courtAdapter{cs}), seals: seals, blobs: blobs,
		ledger: &fakeLedger{}, courtID: a.ID, otherID: b.ID}
	f.people = map[string][]auth.Grant{
		"u-filer":     {{CourtID: a.ID, Role: auth.FilingOfficer}},
		"u-judge":     {{CourtID: a.ID, Role: auth.Judge}},
		"u-clerk":     {{CourtID: a.ID, Role: auth.Clerk}},
		"u-other":     {{CourtID: b.ID, Role: auth.Judge}},
		"u-party":     {{Role: auth.Litigant}},
		"u-lawyer":    {{Role: auth.Lawyer}},
		"u-defendant": {{Role: auth.Litigant}},
		"u-stranger":  {{Role: auth.Litigant}},
	}
	f.s = document.New(db, document.Deps{Cases: f.cases, Courts: cs, Seals: seals, Blobs: blobs, Ledger: f.ledger}, opts...)
	f.srv = httptest.NewServer(f.handler(t, false))
	t.Cleanup(f.srv.Close)
	return f
}

// handler is the real router with the document API and pages, the seal's
// route and the static assets; X-Test-User signs a test user in. With
// csrf, the platform's CSRF and security middleware run as in the app.
func (f *fixture) handler(t testing.TB, csrf bool) http.Handler {
	cat, err := i18n.New(i18n.Platform(), document.Messages, seal.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(webassets.Static)
	if err != nil {
		t.Fatal(err)
	}
	f.rd, err = web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets,
		Pages: []web.PageSet{{Namespace: "document", FS: document.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", assets.Handler())
	f.s.Routes(mux)
	f.s.Pages(mux, f.rd)
	f.seals.Routes(mux)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	if csrf {
		return web.Chain(signIn, web.Configure(web.Options{Renderer: f.rd}), web.SecurityHeaders, web.CSRF)
	}
	return web.Chain(signIn, web.Configure(web.Options{Renderer: f.rd}))
}

// as returns a context signed in as user.
func (f *fixture) as(user string) context.Context { return f.asCtx(context.Background(), user) }

func (f *fixture) asCtx(ctx context.Context, user string) context.Context {
	ctx = auth.WithPrincipal(ctx, auth.Principal{UserID: user, Verified: true, Grants: f.people[user]})
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// newCase creates a civil case at 象山 whose plaintiff is u-party (with
// u-lawyer) and whose defendant is u-defendant.
func (f *fixture) newCase(t testing.TB) casefile.Case {
	t.Helper()
	c, err := f.cases.Create(f.as("u-filer"), casefile.NewCase{
		CourtID: f.courtID, TypeCode: "民初", Cause: "民间借贷纠纷", CauseCode: "9.2.1", Procedure: casefile.Ordinary,
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
	return c
}

// judgmentPDF renders a two-page document as the renderer would: ASCII
// text naming the parties, the verification code printed at the foot, and
// the seal (a red circle) on the last page at sealAt.
func judgmentPDF(t testing.TB, caseNumber, code string) []byte {
	t.Helper()
	p := fpdf.New("P", "pt", "A4", "")
	p.SetCreationDate(t0)
	p.SetModificationDate(t0)
	p.SetCompression(false) // so the test can find the printed code in the bytes
	p.SetAutoPageBreak(false, 0)
	for i := range 2 {
		p.AddPage()
		p.SetFont("Helvetica", "B", 16)
		p.Cell(0, 20, "Civil judgment")
		p.Ln(24)
		p.SetFont("Helvetica", "", 11)
		p.Cell(0, 14, fmt.Sprintf("Case %q, page %d. Plaintiff Zhang San, defendant Li Si.", caseNumber, i+1))
		p.Ln(16)
		for l := range 20 {
			p.Cell(0, 14, fmt.Sprintf("%02d The court finds the facts stated by the plaintiff proved.", l))
			p.Ln(14)
		}
		p.SetY(800)
		p.Cell(0, 12, "Verification code: "+code+" - verify at "+document.PagePath)
	}
	p.SetDrawColor(200, 0, 0)
	p.SetLineWidth(3)
	p.Circle(460, 841.89-160, 55, "D")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var sealAt = &seal.Placement{Page: 2, X1: 400, Y1: 100, X2: 520, Y2: 220}

// issue reserves a code, renders and issues a judgment in case c as the
// filing officer.
func (f *fixture) issue(t testing.TB, c casefile.Case, key string) document.Document {
	t.Helper()
	ctx := f.as("u-filer")
	code, err := f.s.ReserveCode(ctx, f.courtID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.s.Issue(ctx, document.IssueRequest{CourtID: f.courtID, CaseID: c.ID, Kind: "judgment", Title: "民事判决书",
		PDF: judgmentPDF(t, c.Number, code), SealPlacement: sealAt, Code: code, IdempotencyKey: key})
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return d
}

// download returns a document's PDF as user.
func (f *fixture) download(t testing.TB, id, user string) []byte {
	t.Helper()
	_, rc, err := f.s.Open(f.as(user), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// multipartBody returns a multipart form with the file under field.
func multipartBody(t testing.TB, field string, file []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if field != "" {
		fw, err := w.CreateFormFile(field, "document.pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func contains(s string, subs ...string) string {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return sub
		}
	}
	return ""
}
