package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
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
	if accounts != len(demoAccounts()) || cases != 3 {
		t.Errorf("backup holds %d accounts and %d cases, want %d and 3", accounts, cases, len(demoAccounts()))
	}
	rep, err := audit.Verify(ctx, db)
	if err != nil || !rep.OK() || rep.Entries == 0 {
		t.Errorf("audit of the backup: %+v, %v", rep, err)
	}
}
