package seal_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
	"github.com/ecourt/ecourt/internal/seal"
)

func TestRotation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		old, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Advance(time.Hour)
		rotated, err := f.s.Rotate(ctx, f.courtID)
		if err != nil {
			t.Fatal(err)
		}
		if rotated.Serial == old.Certificate.Serial || rotated.Status != seal.Active {
			t.Fatalf("Rotate = %+v", rotated)
		}
		f.clk.Advance(time.Hour)
		fresh, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Certificate.Serial != rotated.Serial {
			t.Errorf("signed after rotation with %s, want %s", fresh.Certificate.Serial, rotated.Serial)
		}
		// The old document still verifies, against the retired seal.
		v, err := f.s.Verify(ctx, old.PDF)
		if err != nil || !v.Valid || v.Serial != old.Certificate.Serial || v.SealStatus != seal.Retired {
			t.Errorf("old document: %+v, %v", v, err)
		}
		if v, _ := f.s.Verify(ctx, fresh.PDF); !v.Valid || v.Serial != rotated.Serial || v.SealStatus != seal.Active {
			t.Errorf("new document: %+v", v)
		}
		certs, err := f.s.Certificates(ctx, f.courtID)
		if err != nil || len(certs) != 2 || certs[0].Status != seal.Retired || certs[0].RetiredAt == nil ||
			!certs[0].RetiredAt.Equal(t0.Add(time.Hour)) || certs[1].Status != seal.Active {
			t.Fatalf("Certificates = %+v, %v", certs, err)
		}
		// A document whose claimed signing time is after the retirement is
		// refused: move the retirement before the old document's time.
		if _, err := f.db.Exec(ctx, `UPDATE seal_certificate SET retired_at = ? WHERE serial = ?`,
			t0.Add(-time.Minute), old.Certificate.Serial); err != nil {
			t.Fatal(err)
		}
		if v, _ := f.s.Verify(ctx, old.PDF); v.Valid || v.Problem != seal.ProblemRetired {
			t.Errorf("sealed after retirement: %+v", v)
		}
		// Each new seal was recorded as an event and audited.
		for typ, want := range map[string]int{"ecourt.seal.certificate.created": 1, "ecourt.seal.certificate.rotated": 1} {
			if n := count(t, f.db, `SELECT COUNT(*) FROM bus_outbox WHERE type = ? AND court_id = ?`, typ, f.courtID); n != want {
				t.Errorf("%d %s events, want %d", n, typ, want)
			}
		}
		if n := count(t, f.db, `SELECT COUNT(*) FROM audit_log WHERE action LIKE 'seal.%'`); n != 3 {
			t.Errorf("%d seal audit entries, want 3 (root, create, rotate)", n)
		}
	})
}

// TestRenewal: a seal about to expire is replaced at the next signature.
func TestRenewal(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk, seal.Options{SealValidity: 90 * 24 * time.Hour, RenewBefore: 30 * 24 * time.Hour})
	ctx := context.Background()
	first, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(59 * 24 * time.Hour)
	same, _ := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
	clk.Advance(2 * 24 * time.Hour)
	renewed, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if same.Certificate.Serial != first.Certificate.Serial || renewed.Certificate.Serial == first.Certificate.Serial {
		t.Errorf("serials %s %s %s: want a new seal only 30 days before expiry", first.Certificate.Serial,
			same.Certificate.Serial, renewed.Certificate.Serial)
	}
	if !renewed.Certificate.NotAfter.Equal(clk.Now().Add(90 * 24 * time.Hour)) {
		t.Errorf("renewed seal valid until %v", renewed.Certificate.NotAfter)
	}
	// The first document was sealed while its certificate was valid.
	if v, _ := f.s.Verify(ctx, first.PDF); !v.Valid {
		t.Errorf("first document: %+v", v)
	}
}

func TestKeyFilesAndPermissions(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		s, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		mode := func(p string) os.FileMode {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			return fi.Mode().Perm()
		}
		courtFile := filepath.Join(f.dir, "court-"+s.Certificate.Serial+".pem")
		if m := mode(f.dir); m != 0o700 {
			t.Errorf("directory mode %#o, want 0700", m)
		}
		for _, p := range []string{filepath.Join(f.dir, "root.pem"), courtFile} {
			if m := mode(p); m != 0o600 {
				t.Errorf("%s mode %#o, want 0600", p, m)
			}
		}
		entries, _ := os.ReadDir(f.dir)
		if len(entries) != 2 {
			t.Errorf("seal directory holds %d files, want 2", len(entries))
		}
		// A restart on the same directory and database keeps the root and
		// the court's seal.
		again, err := seal.New(ctx, f.db, f.dir, f.courts, seal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Root().Fingerprint != f.s.Root().Fingerprint {
			t.Error("the root changed across a restart")
		}
		if c, _ := again.Active(ctx, f.courtID); c.Serial != s.Certificate.Serial {
			t.Errorf("active seal after restart %s, want %s", c.Serial, s.Certificate.Serial)
		}
		// Looser permissions are refused.
		if err := os.Chmod(f.dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if _, err := seal.New(ctx, f.db, f.dir, f.courts, seal.Options{}); err == nil || !strings.Contains(err.Error(), "chmod 700") {
			t.Errorf("New on a 0750 directory: %v", err)
		}
		os.Chmod(f.dir, 0o700)
		os.Chmod(filepath.Join(f.dir, "root.pem"), 0o644)
		if _, err := seal.New(ctx, f.db, f.dir, f.courts, seal.Options{}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("New with a 0644 root key: %v", err)
		}
		os.Chmod(filepath.Join(f.dir, "root.pem"), 0o600)
		// A fresh service (no key cache) refuses a readable court key.
		fresh, err := seal.New(ctx, f.db, f.dir, f.courts, seal.Options{})
		if err != nil {
			t.Fatal(err)
		}
		os.Chmod(courtFile, 0o640)
		if _, err := fresh.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{}); errs.CodeOf(err) != errs.Unavailable {
			t.Errorf("Sign with a 0640 court key: %v", err)
		}
		// A seal directory from another installation is refused.
		if _, err := seal.New(ctx, f.db, filepath.Join(t.TempDir(), "other"), f.courts, seal.Options{}); err == nil ||
			!strings.Contains(err.Error(), "not the root recorded") {
			t.Errorf("New with another root: %v", err)
		}
	})
}

// TestForeignCA: a PDF sealed by another installation's root (a CA this
// platform does not know) is signed and intact but not trusted.
func TestForeignCA(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		clk := clock.NewFixed(t0)
		otherDB := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
		foreign := newFixture(t, otherDB, clk, seal.Options{RootName: "Another CA"})
		s, err := foreign.s.Sign(ctx, foreign.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.s.Verify(ctx, s.PDF)
		if err != nil {
			t.Fatal(err)
		}
		if v.Valid || v.Trusted || !v.Signed || !v.Intact || v.Problem != seal.ProblemUntrusted || v.CourtName != "" || v.CourtID != "" {
			t.Errorf("foreign seal: %+v", v)
		}
		if v, _ := foreign.s.Verify(ctx, s.PDF); !v.Valid {
			t.Errorf("its own platform: %+v", v)
		}
	})
}

func TestVerifyGarbage(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for _, tt := range []struct {
			in   []byte
			want seal.Problem
		}{
			{nil, seal.ProblemNotPDF},
			{[]byte("GIF89a"), seal.ProblemNotPDF},
			{samplePDF(t, 1, 0), seal.ProblemUnsigned},
			{[]byte("%PDF-1.7\n/ByteRange [0 10 20 5] /Contents <00>\n%%EOF"), seal.ProblemUnsigned},
			{[]byte("%PDF-1.7\n/ByteRange [0 32 36 7] <00>\n%%EOF\n"), seal.ProblemMalformed},
		} {
			v, err := f.s.Verify(ctx, tt.in)
			if err != nil || v.Valid || v.Problem != tt.want {
				t.Errorf("Verify(%.30q) = %+v, %v; want problem %q", tt.in, v, err, tt.want)
			}
		}
	})
}

// TestConcurrentFirstUse: simultaneous first signatures of a court create
// one seal.
func TestConcurrentFirstUse(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		in := samplePDF(t, 1, 0)
		var wg sync.WaitGroup
		serials := make([]string, 8)
		for i := range serials {
			wg.Go(func() {
				s, err := f.s.Sign(ctx, f.otherID, in, seal.SignOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				serials[i] = s.Certificate.Serial
			})
		}
		wg.Wait()
		for _, s := range serials {
			if s == "" || s != serials[0] {
				t.Fatalf("serials %v, want one", serials)
			}
		}
		if n := count(t, f.db, `SELECT COUNT(*) FROM seal_certificate WHERE court_id = ?`, f.otherID); n != 1 {
			t.Errorf("%d certificates, want 1", n)
		}
	})
}

func TestRootRoute(t *testing.T) {
	clk := clock.NewFixed(t0)
	db := sqldbtest.OpenSQLite(t, sqldbtest.Options{Clock: clk}, sets...)
	f := newFixture(t, db, clk, seal.Options{})
	mux := http.NewServeMux()
	f.s.Routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", seal.RootPath, nil))
	body, _ := io.ReadAll(rec.Body)
	blk, _ := pem.Decode(body)
	if rec.Code != 200 || blk == nil || rec.Header().Get("Content-Type") != "application/x-pem-file" {
		t.Fatalf("GET %s: %d %s", seal.RootPath, rec.Code, body)
	}
	root, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || seal.Fingerprint(root) != f.s.Root().Fingerprint || !root.IsCA || root.Subject.CommonName != "ecourt 电子印章根证书" {
		t.Errorf("published root: %v %+v", err, root.Subject)
	}
}

func TestSchemaAndMessages(t *testing.T) {
	if err := sqldb.CheckSet(seal.Migrations); err != nil {
		t.Error(err)
	}
	if err := i18n.CheckComplete(seal.Messages); err != nil {
		t.Error(err)
	}
	var got [][]sqldb.Column
	forEachDB(t, func(t *testing.T, f *fixture) {
		cols, err := f.db.Columns(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, slices.DeleteFunc(cols, func(c sqldb.Column) bool { return !strings.HasPrefix(c.Table, "seal_") }))
	})
	if len(got) == 2 && !slices.Equal(got[0], got[1]) {
		t.Errorf("SQLite and PostgreSQL schemas differ:\n%v\n%v", got[0], got[1])
	}
	// Every problem has a message.
	cat, err := i18n.New(i18n.Platform(), seal.Messages)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []seal.Problem{seal.ProblemNotPDF, seal.ProblemUnsigned, seal.ProblemMalformed, seal.ProblemModified,
		seal.ProblemBadSignature, seal.ProblemUntrusted, seal.ProblemRetired} {
		if !cat.Has("seal.problem." + string(p)) {
			t.Errorf("no message for problem %s", p)
		}
	}
}

func count(t *testing.T, db *sqldb.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
