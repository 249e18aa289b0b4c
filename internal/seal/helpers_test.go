package seal_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	imgpng "image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/seal"
)

var sets = []sqldb.MigrationSet{audit.Migrations, bus.Migrations, court.Migrations, seal.Migrations}

// t0 is Monday 2026-03-02 10:00 China time.
var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

type fixture struct {
	db      *sqldb.DB
	clk     *clock.Fixed
	courts  *court.Service
	s       *seal.Service
	dir     string
	courtID string // 浙江省象山县人民法院 (浙0225)
	otherID string // 浙江省宁波市中级人民法院 (浙02)
}

// forEachDB runs fn on SQLite and, when configured, PostgreSQL with the
// court list seeded and a seal service on a fresh key directory.
func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Helper()
	clk := clock.NewFixed(t0)
	sqldbtest.ForEach(t, sqldbtest.Options{Clock: clk}, sets, func(t *testing.T, db *sqldb.DB) {
		clk.Set(t0)
		f := newFixture(t, db, clk, seal.Options{})
		fn(t, f)
	})
}

func newFixture(t testing.TB, db *sqldb.DB, clk *clock.Fixed, opts seal.Options) *fixture {
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
	dir := filepath.Join(t.TempDir(), "seals")
	s, err := seal.New(ctx, db, dir, cs, opts)
	if err != nil {
		t.Fatalf("seal.New: %v", err)
	}
	return &fixture{db: db, clk: clk, courts: cs, s: s, dir: dir, courtID: a.ID, otherID: b.ID}
}

// samplePDF makes a PDF of the given pages with ASCII text and, to give
// it the weight of a real document with embedded fonts, an incompressible
// image of about kb/pages kilobytes per page (kb 0: text only). A red
// circle on the last page stands for the printed seal, under SealAt.
func samplePDF(t testing.TB, pages, kb int) []byte {
	t.Helper()
	p := fpdf.New("P", "pt", "A4", "")
	p.SetCreationDate(t0)
	p.SetModificationDate(t0)
	rnd := rand.New(rand.NewPCG(1, uint64(pages*1000+kb)))
	for i := range pages {
		p.AddPage()
		p.SetFont("Helvetica", "B", 16)
		p.Cell(0, 20, fmt.Sprintf("Civil judgment (2026) Zhe 0225 Min Chu 1, page %d of %d", i+1, pages))
		p.Ln(24)
		p.SetFont("Helvetica", "", 10)
		for l := range 30 {
			p.Cell(0, 14, fmt.Sprintf("%02d The court finds the facts stated by the plaintiff proved by the evidence on file.", l))
			p.Ln(14)
		}
		if kb > 0 {
			side := int(math.Sqrt(float64(kb*1024/pages) / 3))
			img := image.NewNRGBA(image.Rect(0, 0, side, side))
			for k := range img.Pix {
				img.Pix[k] = byte(rnd.UintN(256))
				if k%4 == 3 {
					img.Pix[k] = 255
				}
			}
			var png bytes.Buffer
			if err := imgpng.Encode(&png, img); err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("noise%d", i)
			p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &png)
			p.ImageOptions(name, 60, 520, 120, 120, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
	}
	// The seal: in fpdf's top-left coordinates; SealAt is the same box in
	// PDF user space (origin bottom left, A4 is 595.28 × 841.89 pt).
	p.SetDrawColor(200, 0, 0)
	p.SetLineWidth(3)
	p.Circle(460, 841.89-160, 55, "D")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sealAt is where samplePDF draws the seal on its last page.
func sealAt(pages int) *seal.Placement {
	return &seal.Placement{Page: pages, X1: 400, Y1: 100, X2: 520, Y2: 220}
}

// pdfsig runs poppler's pdfsig on b and returns its output. Without pdfsig
// the test is skipped, unless CI=true, where it fails. When trust is not
// nil and NSS's certutil is installed, pdfsig checks the certificate
// against a fresh NSS database that trusts the PEM root in trust, and
// trusted reports that it did.
func pdfsig(t *testing.T, b []byte, trust []byte) (out string, trusted bool) {
	t.Helper()
	path, err := exec.LookPath("pdfsig")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdfsig (poppler-utils) is required under CI")
		}
		t.Skip("pdfsig (poppler-utils) not installed")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{file}
	if certutil, err := exec.LookPath("certutil"); err == nil && trust != nil {
		nss := filepath.Join(dir, "nss")
		root := filepath.Join(dir, "root.pem")
		if err := os.Mkdir(nss, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(root, trust, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, a := range [][]string{
			{"-N", "-d", "sql:" + nss, "--empty-password"},
			// pdfsig checks signers for S/MIME use: the root needs the
			// S/MIME trust flag (the second C).
			{"-A", "-d", "sql:" + nss, "-n", "ecourt-root", "-t", "C,C,C", "-a", "-i", root},
		} {
			if out, err := exec.Command(certutil, a...).CombinedOutput(); err != nil {
				t.Fatalf("certutil %v: %v\n%s", a, err, out)
			}
		}
		args = []string{"-nssdir", "sql:" + nss, file}
		trusted = true
	}
	res, _ := exec.Command(path, args...).CombinedOutput() // exits non-zero on invalid signatures
	return strings.TrimSpace(string(res)), trusted
}
