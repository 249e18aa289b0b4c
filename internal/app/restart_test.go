package app

import (
	"bytes"
	"context"
	"html"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGracefulShutdownAndRestart proves that cancelling Run's context
// shuts the app down cleanly (Run returns) and that a new App on the same
// data directory has everything the first one acknowledged.
func TestGracefulShutdownAndRestart(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	ta := &testApp{App: a, URL: u, Cfg: a.cfg}
	c := newClient(t, u)
	mobile := newMobile()
	_, tok := ta.registerAPI(t, c, mobile, "secret123")
	must(t, c.withToken(tok).do("PATCH", "/api/v1/me", map[string]any{"display_name": "重启之前"}), 200)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of cancel")
	}
	a.Close()
	if _, err := http.Get(u + "/healthz"); err == nil {
		t.Error("the old server still answers after Run returned")
	}

	// A new App on the same data directory (and a new port).
	cfg.Addr = "127.0.0.1:0"
	tb := startApp(t, cfg)
	c = newClient(t, tb.URL)
	must(t, c.get("/readyz"), 200)
	me := decode[account](t, must(t, c.withToken(tok).get("/api/v1/me"), 200))
	if me.DisplayName != "重启之前" {
		t.Errorf("after restart the account's name is %q, want 重启之前", me.DisplayName)
	}
	loginAPI(t, c, mobile, "secret123")
	auditOK(t, tb.App)
}

// TestCrashRecovery builds the real binary, kills the server with SIGKILL
// after changes were acknowledged, and checks that a restarted server has
// them and that `ecourt audit verify` passes. The operator's
// `ecourt token create` runs beside the live server.
func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	data := t.TempDir()
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	srv := startServer(t, bin, data, port)
	c := newClient(t, base)

	// The operator's token for the demo litigant, made while the server runs.
	out := runCLI(t, bin, "token", "create", "--login", "litigant", "--data", data)
	tok := strings.TrimSpace(out)
	if r := c.withToken(tok).get("/api/v1/me"); r.StatusCode != 200 || !strings.Contains(string(r.Body), "演示当事人") {
		t.Errorf("CLI token on /api/v1/me: %s", r)
	}

	// A new account, registered with the code from the demo SMS page, and
	// verified.
	mobile := newMobile()
	must(t, c.do("POST", "/api/v1/accounts/codes", map[string]string{"mobile": mobile, "purpose": "register"}), 202)
	code := codeFromDemoPage(t, c, mobile)
	reg := decode[struct {
		Token string `json:"token"`
	}](t, must(t, c.do("POST", "/api/v1/accounts", map[string]string{"mobile": mobile, "password": "secret123", "code": code}), 201))
	me := c.withToken(reg.Token)
	must(t, me.do("POST", "/api/v1/me/verification", map[string]string{"name": "测试 崩溃", "id_number": newResidentID()}), 200)

	// Crash.
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	srv.Wait()

	srv = startServer(t, bin, data, port)
	got := decode[account](t, must(t, c.withToken(loginAPI(t, c, mobile, "secret123")).get("/api/v1/me"), 200))
	if got.Verification != "development" || got.RealName != "测试 崩溃" {
		t.Errorf("after the crash the account is %+v, want verified (development) as 测试 崩溃", got)
	}
	must(t, me.get("/api/v1/me"), 200) // the session survived too
	// Stop it properly, then check the audit chains offline.
	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Errorf("server after SIGTERM: %v", err)
	}
	if out := runCLI(t, bin, "audit", "verify", "--data", data); !strings.Contains(out, "audit log intact") {
		t.Errorf("ecourt audit verify: %s", out)
	}
}

// buildBinary builds cmd/ecourt into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(t.TempDir(), "ecourt")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/ecourt")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ecourt: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the environment without ECOURT_* variables, so that the
// binary sees only its flags.
func cleanEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ECOURT_") {
			env = append(env, e)
		}
	}
	return env
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// startServer starts `ecourt serve --demo` and waits until /readyz is 200.
func startServer(t *testing.T, bin, data, port string) *exec.Cmd {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--demo", "--data", data, "--addr", "127.0.0.1:"+port)
	cmd.Env = cleanEnv()
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := http.Get("http://127.0.0.1:" + port + "/readyz")
		if err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("ecourt serve not ready within 60 s:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runCLI runs an ecourt command and returns its standard output; it fails
// the test when the command exits non-zero.
func runCLI(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ecourt %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// codeFromDemoPage reads the newest one-time code for mobile off the demo
// page's SMS outbox.
func codeFromDemoPage(t *testing.T, c *client, mobile string) string {
	t.Helper()
	body := html.UnescapeString(string(must(t, c.get("/demo"), 200).Body))
	re := regexp.MustCompile(`(?s)<strong>` + regexp.QuoteMeta(mobile) + `</strong>.*?<span class="sms-text">[^<]*?(\d{6})`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code for %s on /demo", mobile)
	}
	return m[1]
}
