package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		env    string
		want   string
		wantOK bool
	}{
		{"unset", "", "", false},
		{"blank", "  ", "", false},
		{"set", "postgres://postgres@127.0.0.1:55432/ecourt_test", "postgres://postgres@127.0.0.1:55432/ecourt_test", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, msg := lookup(func(k string) string {
				if k != EnvURL {
					t.Errorf("getenv(%q), want getenv(%q)", k, EnvURL)
				}
				return tt.env
			})
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("lookup() = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
			if !ok && !strings.Contains(msg, EnvURL) {
				t.Errorf("message %q does not name %s", msg, EnvURL)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	tests := []struct {
		dsn, want string
	}{
		{
			"postgres://postgres@127.0.0.1:55432/ecourt_test?sslmode=disable",
			"postgres://postgres@127.0.0.1:55432/t_x?sslmode=disable",
		},
		{
			"postgresql://u:p%40ss@db:5432?sslmode=disable",
			"postgresql://u:p%40ss@db:5432/t_x?sslmode=disable",
		},
		{
			"host=127.0.0.1 port=55432 user=postgres dbname=ecourt_test",
			"host=127.0.0.1 port=55432 user=postgres dbname=ecourt_test dbname=t_x",
		},
	}
	for _, tt := range tests {
		got, err := withDatabase(tt.dsn, "t_x")
		if err != nil {
			t.Errorf("withDatabase(%q): %v", tt.dsn, err)
			continue
		}
		if got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
	if _, err := withDatabase("mysql://x/y", "t_x"); err == nil {
		t.Errorf("withDatabase(mysql://...) gave no error")
	}
}

func TestNewNameUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n, err := newName()
		if err != nil {
			t.Fatal(err)
		}
		if len(n) != 18 || !strings.HasPrefix(n, "t_") {
			t.Fatalf("newName() = %q, want t_ and 16 hex digits", n)
		}
		if seen[n] {
			t.Fatalf("newName() repeated %q", n)
		}
		seen[n] = true
	}
}

// TestFresh checks on the real server that Fresh gives each caller its own
// empty database, that the database is usable, and that it is gone once the
// test that asked for it has ended.
func TestFresh(t *testing.T) {
	ctx := context.Background()
	var first, second string
	parent := t
	t.Run("use", func(t *testing.T) {
		first = Fresh(t)
		second = Fresh(t)
		if first == second {
			t.Fatalf("Fresh returned %q twice", first)
		}
		for _, dsn := range []string{first, second} {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatalf("connect %s: %v", dsn, err)
			}
			var tables int
			if err := conn.QueryRow(ctx,
				`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
				t.Fatal(err)
			}
			if got, want := tables, 0; got != want {
				t.Errorf("%s has %d tables, want %d", dsn, got, want)
			}
			if _, err := conn.Exec(ctx, `CREATE TABLE note (id int PRIMARY KEY, body text)`); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `INSERT INTO note VALUES (1, '立案')`); err != nil {
				t.Fatal(err)
			}
			var body string
			if err := conn.QueryRow(ctx, `SELECT body FROM note WHERE id = 1`).Scan(&body); err != nil {
				t.Fatal(err)
			}
			if got, want := body, "立案"; got != want {
				t.Errorf("body = %q, want %q", got, want)
			}
			// Left open until the parent ends, so the drop must use FORCE.
			parent.Cleanup(func() { conn.Close(context.Background()) })
		}
	})
	if first == "" {
		return // skipped
	}

	conn, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, dsn := range []string{first, second} {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, cfg.Database).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got, want := n, 0; got != want {
			t.Errorf("database %s: %d left after the test, want %d", cfg.Database, got, want)
		}
	}
}
