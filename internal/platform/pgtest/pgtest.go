// Package pgtest gives tests a PostgreSQL database of their own on the server
// that the test environment names in ECOURT_TEST_POSTGRES.
//
// scripts/test.sh starts a throwaway server and sets the variable. Without it,
// tests that need PostgreSQL skip, except when CI=true, where they fail, so
// that a CI run without a database cannot pass by skipping.
//
//	func TestStore(t *testing.T) {
//		url := pgtest.Fresh(t) // empty database, dropped when the test ends
//		db, err := sql.Open("pgx", url)
//		...
//	}
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvURL is the environment variable that names the test server, as a
// PostgreSQL connection URL or keyword/value string.
const EnvURL = "ECOURT_TEST_POSTGRES"

// adminTimeout bounds each statement that pgtest sends to the server.
const adminTimeout = 30 * time.Second

// URL returns the connection string in ECOURT_TEST_POSTGRES. When the variable
// is empty, URL skips the test, or fails it when the environment has CI=true.
// Tests that write should use Fresh instead: the database of URL is shared by
// every test of the run.
func URL(t testing.TB) string {
	t.Helper()
	u, ok, msg := lookup(os.Getenv)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: a missing database fails)")
		}
		t.Skip(msg)
	}
	return u
}

// lookup reads the server's URL through getenv. ok is false when there is
// none, and msg then says why.
func lookup(getenv func(string) string) (u string, ok bool, msg string) {
	u = strings.TrimSpace(getenv(EnvURL))
	if u == "" {
		return "", false, EnvURL + " is not set; scripts/test.sh starts a server and sets it"
	}
	return u, true, ""
}

// Fresh creates an empty database with a unique name (t_ and 16 hex digits) on
// the server of URL, and returns the connection string for it. The database
// is dropped, with FORCE so that connections left open do not block it, when
// the test and its subtests have finished: close pools in t.Cleanup or defer
// anyway, since a dropped database makes them fail. Fresh skips or fails the
// test as URL does.
func Fresh(t testing.TB) string {
	t.Helper()
	base := URL(t)
	name, err := newName()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	if err := create(base, name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := admin(base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// newName returns a database name that no other test of any run uses: t_ and
// 64 random bits. It needs no quoting.
func newName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	return "t_" + hex.EncodeToString(b[:]), nil
}

// create creates the database name. It asks for the FILE_COPY strategy of
// PostgreSQL 15 and later, which copies the small template in a few
// milliseconds where the default WAL_LOG takes a few hundred on the test
// server, and falls back to the plain statement on an older server.
func create(dsn, name string) error {
	err := admin(dsn, "CREATE DATABASE "+name+" STRATEGY FILE_COPY")
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "42601" { // syntax_error
		err = admin(dsn, "CREATE DATABASE "+name)
	}
	return err
}

// admin runs one statement on its own connection to the server of dsn.
// CREATE and DROP DATABASE cannot run inside a transaction, so it uses none.
func admin(dsn, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase returns dsn with its database replaced by name. dsn is a
// postgres:// or postgresql:// URL, or a keyword/value string.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	if strings.Contains(dsn, "://") {
		return "", fmt.Errorf("%q is neither a postgres:// URL nor a keyword/value string", dsn)
	}
	// In a keyword/value string a later keyword wins over an earlier one.
	return strings.TrimSpace(dsn) + " dbname=" + name, nil
}
