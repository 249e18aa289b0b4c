package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/seal"
)

// TestBackupWhileRunning takes a backup of a live demo server's data
// directory with the operator tools and checks that the copy is a working,
// consistent database: it migrates, holds the demo accounts and cases, and
// its audit chains verify.
func TestBackupWhileRunning(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ctx := context.Background()
	tools, err := OpenTools(ctx, ta.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tools.Close()
	dir := filepath.Join(t.TempDir(), "backup")
	res, err := tools.Backup(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.Database, "ecourt.db") {
		t.Fatalf("database copy: %q", res.Database)
	}
	if _, err := tools.Backup(ctx, dir); err == nil {
		t.Error("a second backup into the same, now non-empty directory succeeded")
	}
	db, err := sqldb.Open(ctx, "sqlite://"+res.Database, sqldb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, Migrations()...); err != nil {
		t.Fatal(err)
	}
	var accounts, cases int
	db.QueryRow(ctx, `SELECT COUNT(*) FROM identity_account`).Scan(&accounts)
	db.QueryRow(ctx, `SELECT COUNT(*) FROM casefile_case`).Scan(&cases)
	// The demo's cases: the loan case, the maritime case, the appeal and
	// the enforcement case.
	if accounts != len(demoAccounts()) || cases != 4 {
		t.Errorf("backup holds %d accounts and %d cases, want %d and 4", accounts, cases, len(demoAccounts()))
	}
	rep, err := audit.Verify(ctx, db)
	if err != nil || !rep.OK() || rep.Entries == 0 {
		t.Errorf("audit of the backup: %+v, %v", rep, err)
	}
}

// TestSealRotationFromTheCommandLine rotates a court's seal with the
// operator tool while the server runs: the server seals with the new key
// from its next document on, and what it sealed before still verifies.
func TestSealRotationFromTheCommandLine(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ctx := context.Background()
	xs, err := ta.svc.court.FindByCode(ctx, "浙0225")
	if err != nil {
		t.Fatal(err)
	}
	d := twoPageJudgment(t)
	before, err := ta.svc.seals.Sign(ctx, xs.ID, mustPDF(t, d).PDF, seal.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tools, err := OpenTools(ctx, ta.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tools.Close()
	c, err := tools.RotateSeal(ctx, "浙0225")
	if err != nil {
		t.Fatal(err)
	}
	if c.Serial == before.Certificate.Serial {
		t.Fatalf("rotation kept serial %s", c.Serial)
	}
	after, err := ta.svc.seals.Sign(ctx, xs.ID, mustPDF(t, d).PDF, seal.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Certificate.Serial != c.Serial {
		t.Errorf("the server sealed with %s after rotation, want the new %s", after.Certificate.Serial, c.Serial)
	}
	for name, pdf := range map[string][]byte{"before": before.PDF, "after": after.PDF} {
		if v, err := ta.svc.seals.Verify(ctx, pdf); err != nil || !v.Valid {
			t.Errorf("%s rotation: %+v %v", name, v, err)
		}
	}
	if _, err := tools.RotateSeal(ctx, "浙9999"); err == nil {
		t.Error("rotating the seal of an unknown court succeeded")
	}
}
