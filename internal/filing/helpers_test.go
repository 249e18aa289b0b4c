package filing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// sets are the migrations a filing database needs, in order.
var sets = []sqldb.MigrationSet{audit.Migrations, blob.Migrations, bus.Migrations, jobs.Migrations, court.Migrations, casefile.Migrations, Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// courtAdapter gives the casefile the court context, as the app does.
type courtAdapter struct{ c *court.Service }

func (c courtAdapter) CaseCourt(ctx context.Context, id string) (casefile.CourtRef, error) {
	ct, err := c.c.CaseCourt(ctx, id)
	if err != nil {
		return casefile.CourtRef{}, err
	}
	return casefile.CourtRef{ID: ct.ID, Code: ct.Code}, nil
}

func (c courtAdapter) IsAbove(ctx context.Context, upper, lower string) (bool, error) {
	return c.c.IsAbove(ctx, upper, lower)
}

// fakeOCR is a recognizer that "reads" a fixed card, so tests run without
// tesseract. Its jobs finish on the second status call.
type fakeOCR struct {
	available bool
	polls     map[string]int
}

func (f *fakeOCR) Available() bool { return f.available }

func (f *fakeOCR) Submit(img []byte) (string, error) {
	if f.polls == nil {
		f.polls = map[string]int{}
	}
	id := fmt.Sprintf("job%d", len(f.polls)+1)
	f.polls[id] = 0
	return id, nil
}

func (f *fakeOCR) Status(id string) (OCRJob, error) {
	n, ok := f.polls[id]
	if !ok {
		return OCRJob{}, errs.New(errs.NotFound, "")
	}
	f.polls[id] = n + 1
	if n == 0 {
		return OCRJob{State: OCRPending}, nil
	}
	return OCRJob{State: OCRDone, Result: OCRResult{Name: "张三", Sex: "M", Ethnicity: "汉", BirthDate: "1980-01-01",
		Address: "浙江省象山县丹东街道天安路1号", IDNumber: residentID("330225", "19800101", "123"),
		Problems: map[string]string{"address": "idocr.problem.unknown"}}}, nil
}

// fakeQuoter quotes 1% of the amount, 50 yuan at least.
type fakeQuoter struct{}

func (fakeQuoter) QuoteFee(_ context.Context, kind string, amount int64, procedure string) (FeeQuote, error) {
	return FeeQuote{FeeFen: max(amount/100, 5000)}, nil
}

type fixture struct {
	db     *sqldb.DB
	clk    *clock.Fixed
	s      *Service
	courts *court.Service
	cases  *casefile.Service
	runner *jobs.Runner
	court  court.Court // 象山县人民法院 浙0225
	other  court.Court // 慈溪市人民法院 浙0282
	sea    court.Court // 宁波海事法院 浙72
}

// forEachDB runs fn on SQLite and, when configured, on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, f fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		ctx := context.Background()
		cs := court.New(db, nil)
		if _, err := cs.Seed(ctx); err != nil {
			t.Fatal(err)
		}
		cases := casefile.New(db, courtAdapter{cs})
		files, err := blob.NewLocal(t.TempDir(), blob.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// As the app keeps them: small files in the database.
		blobs := blob.NewInline(db, files, 0, blob.Options{})
		s := New(db, Deps{Courts: cs, Cases: cases, Blobs: blobs, OCR: &fakeOCR{available: true}, Quoter: fakeQuoter{}, TempDir: t.TempDir()})
		runner := jobs.NewRunner(db, jobs.RunnerOptions{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		s.RegisterJobs(runner)
		f := fixture{db: db, clk: clk, s: s, courts: cs, cases: cases, runner: runner}
		for code, dst := range map[string]*court.Court{"浙0225": &f.court, "浙0282": &f.other, "浙72": &f.sea} {
			c, err := cs.FindByCode(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			*dst = c
		}
		fn(t, f)
	})
}

// The people of the tests.
const (
	uLitigant = "u-litigant"
	uLawyer   = "u-lawyer"
	uClient   = "u-client"
	uOfficer  = "u-officer"
	uOther    = "u-other-officer"
	uClerk    = "u-clerk"
	uStranger = "u-stranger"
	uJudge    = "u-judge"
	uUnverif  = "u-unverified"
)

// principal returns the principal of a test user at the fixture's courts.
func (f fixture) principal(user string) auth.Principal {
	p := auth.Principal{UserID: user, Verified: true, Name: user}
	switch user {
	case uLitigant, uStranger, uClient:
		p.Grants = []auth.Grant{{Role: auth.Litigant}}
	case uLawyer:
		p.Grants = []auth.Grant{{Role: auth.Lawyer, Licence: "13302201010123456"}}
	case uOfficer:
		p.Grants = []auth.Grant{{CourtID: f.court.ID, Role: auth.FilingOfficer}}
	case uOther:
		p.Grants = []auth.Grant{{CourtID: f.other.ID, Role: auth.FilingOfficer}}
	case uClerk:
		p.Grants = []auth.Grant{{CourtID: f.court.ID, Role: auth.Clerk}}
	case uJudge:
		p.Grants = []auth.Grant{{CourtID: f.court.ID, Role: auth.Judge}}
	case uUnverif:
		p.Verified = false
		p.Grants = []auth.Grant{{Role: auth.Litigant}}
	}
	return p
}

// as returns a context signed in as user.
func (f fixture) as(user string) context.Context {
	ctx := auth.WithPrincipal(context.Background(), f.principal(user))
	return audit.WithActor(ctx, audit.Actor{UserID: user, IP: "192.0.2.7"})
}

// residentID builds a valid 18-character resident ID (GB 11643-1999).
func residentID(region, birth, seq string) string {
	body := region + birth + seq
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

// plaintiff and defendant are the parties of a private-lending complaint
// at 象山 (浙0225).
func plaintiff() Party {
	return Party{Role: "plaintiff", Kind: "person", Name: "张三", Sex: "M", Ethnicity: "汉", BirthDate: "1980-01-01",
		IDType: "resident_id", IDNumber: residentID("330225", "19800101", "123"), Address: "浙江省象山县丹东街道天安路1号",
		Phone: "13800005678"}
}

func defendant() Party {
	return Party{Role: "defendant", Kind: "person", Name: "李四", Sex: "F", IDType: "resident_id",
		IDNumber: residentID("330282", "19850505", "224"), Address: "浙江省慈溪市白沙路街道1号", Phone: "13900001111"}
}

func lendingAnswers() map[string]string {
	return map[string]string{"loan_date": "2025-01-10", "principal": "50000", "delivery": "bank_transfer", "iou": "yes",
		"due_date": "2025-07-10", "interest_agreed": "no"}
}

// draft starts a complete private-lending draft at 象山 as the litigant.
func (f fixture) draft(t testing.TB) *Application {
	t.Helper()
	a, _, err := f.s.CreateDraft(f.as(uLitigant), NewDraft{CourtID: f.court.ID, TemplateID: "private_lending",
		Answers: lendingAnswers(), Parties: []Party{plaintiff(), defendant()}}, Once{})
	if err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	return a
}

// ready is a draft with one item of evidence, ready to submit.
func (f fixture) ready(t testing.TB) *Application {
	t.Helper()
	a := f.draft(t)
	f.addPDF(t, uLitigant, a.ID)
	return a
}

func (f fixture) addPDF(t testing.TB, user, appID string) Evidence {
	t.Helper()
	e, err := f.s.AddEvidence(f.as(user), appID, Upload{Role: RoleEvidence, Name: "借条", Purpose: "证明借款事实", Source: "原告持有",
		FileName: "iou.pdf", Body: bytes.NewReader(samplePDF("借条"))})
	if err != nil {
		t.Fatalf("AddEvidence: %v", err)
	}
	return e
}

// submitted is a submitted application.
func (f fixture) submitted(t testing.TB) *Application {
	t.Helper()
	a := f.ready(t)
	a, _, err := f.s.Submit(f.as(uLitigant), a.ID, Once{})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	// Submit answers with the application as committed, without reading
	// it again: it must be exactly what a fresh read returns.
	got, err := f.s.Get(f.as(uLitigant), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, a, cmp.AllowUnexported(Application{})); diff != "" {
		t.Fatalf("Submit's answer differs from a fresh read (-read +answer):\n%s", diff)
	}
	return a
}

// samplePDF builds a small, valid one-page PDF with a correct xref table.
func samplePDF(text string) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
	stream := "BT /F1 12 Tf 20 100 Td (" + text + ") Tj ET"
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}

// encryptedPDF is samplePDF with an /Encrypt entry in its trailer.
func encryptedPDF() []byte {
	p := samplePDF("secret")
	return bytes.Replace(p, []byte("/Root 1 0 R"), []byte("/Root 1 0 R /Encrypt 5 0 R /ID [<01> <01>]"), 1)
}

func samplePNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img) //nolint:errcheck
	return b.Bytes()
}

func sampleJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil) //nolint:errcheck
	return b.Bytes()
}

// sampleWAV is 0.01 s of 8 kHz 8-bit mono silence.
func sampleWAV() []byte {
	data := bytes.Repeat([]byte{128}, 80)
	var b bytes.Buffer
	le32 := func(n int) { b.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}) }
	le16 := func(n int) { b.Write([]byte{byte(n), byte(n >> 8)}) }
	b.WriteString("RIFF")
	le32(36 + len(data))
	b.WriteString("WAVEfmt ")
	le32(16)
	le16(1)
	le16(1)
	le32(8000)
	le32(8000)
	le16(1)
	le16(8)
	b.WriteString("data")
	le32(len(data))
	b.Write(data)
	return b.Bytes()
}

// sampleMP4 is an ftyp box followed by an empty mdat box.
func sampleMP4() []byte {
	b := []byte{0, 0, 0, 24}
	b = append(b, "ftypisom\x00\x00\x02\x00isommp41"...)
	return append(b, 0, 0, 0, 8, 'm', 'd', 'a', 't')
}

// sampleMP3 is an ID3v2.4 tag and one MPEG-1 Layer III frame header.
func sampleMP3() []byte {
	b := []byte("ID3\x04\x00\x00\x00\x00\x00\x00")
	frame := append([]byte{0xFF, 0xFB, 0x90, 0x64}, make([]byte, 413)...)
	return append(b, frame...)
}

// countOutbox counts outbox events of a type about an application.
func countOutbox(t testing.TB, db *sqldb.DB, typ, appID string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND payload LIKE ?`, typ, "%"+appID+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// outboxPayload returns the payload of the only event of a type about an
// application.
func outboxPayload(t testing.TB, db *sqldb.DB, typ, appID string) map[string]any {
	t.Helper()
	var p string
	if err := db.QueryRow(context.Background(), `SELECT payload FROM bus_outbox WHERE type = ? AND payload LIKE ?`, typ, "%"+appID+"%").Scan(&p); err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(p), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func countAudit(t testing.TB, db *sqldb.DB, action, target, actor string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target = ? AND actor_id = ?`,
		action, target, actor).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fieldCodes returns "field:code" of each field error of err.
func fieldCodes(err error) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func hasCode(err error, want string) bool {
	for _, c := range fieldCodes(err) {
		if c == want || strings.HasSuffix(c, ":"+want) && !strings.Contains(want, ":") {
			return true
		}
	}
	return false
}
