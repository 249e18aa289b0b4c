// Command ecourt runs the ecourt court-services platform.
//
//	ecourt serve [--addr 127.0.0.1:8080] [--data ./data] [--demo]
//	ecourt token create --login NAME [--name LABEL] [--ttl 720h]
//	ecourt token revoke ID
//	ecourt audit verify
//	ecourt backup DIR
//
// Every flag has an ECOURT_* environment variable (ECOURT_ADDR, ECOURT_DATA,
// ECOURT_DATABASE_URL, ECOURT_NATS_URL, ECOURT_BLOB_URL, ECOURT_DEMO, …);
// secrets also take *_FILE variants. Flags win over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ecourt/ecourt/internal/app"
	"github.com/ecourt/ecourt/internal/ledger"
	"github.com/ecourt/ecourt/internal/platform/blob"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "ecourt:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  ecourt serve [--addr HOST:PORT] [--data DIR] [--demo]
  ecourt token create --login NAME [--name LABEL] [--ttl DURATION]
  ecourt token revoke ID
  ecourt audit verify
  ecourt backup DIR
  ecourt seal rotate COURT_CODE   (e.g. 浙0225: new seal key and certificate; the old one keeps verifying)
  ecourt ledger verify FILE PROOF [TREEHEAD] [--key PEM] [--lang zh-CN|en] [--verbose]
      checks offline that FILE is in the evidence ledger: PROOF is the JSON from
      /api/v1/ledger/proofs/inclusion, TREEHEAD a signed tree head (default: the
      one inside PROOF), PEM the ledger's public key from /api/v1/ledger/public-key`

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "token":
		return token(args[1:])
	case "audit":
		return auditCmd(args[1:])
	case "backup":
		return backup(args[1:])
	case "seal":
		return sealCmd(args[1:])
	case "ledger":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New(usage)
		}
		// Offline: no data directory, no server; exit 0 verified, 1 not.
		os.Exit(ledger.RunVerifyCLI(args[2:], os.Stdout, os.Stderr))
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// envInt reads an integer environment variable, def when unset or not a number.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// secretEnv reads NAME or the file named by NAME_FILE.
func secretEnv(name string) (string, error) {
	if f := os.Getenv(name + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		return strings.TrimSpace(string(b)), err
	}
	return os.Getenv(name), nil
}

// configFlags registers the flags shared by every command.
func configFlags(fs *flag.FlagSet) *app.Config {
	c := &app.Config{}
	demo, _ := strconv.ParseBool(env("ECOURT_DEMO", "false"))
	secure, _ := strconv.ParseBool(env("ECOURT_SECURE_COOKIES", "false"))
	proxy, _ := strconv.ParseBool(env("ECOURT_TRUST_PROXY", "false"))
	fs.StringVar(&c.Addr, "addr", env("ECOURT_ADDR", "127.0.0.1:8080"), "listen address (ECOURT_ADDR)")
	fs.StringVar(&c.DataDir, "data", env("ECOURT_DATA", "data"), "data directory (ECOURT_DATA)")
	fs.StringVar(&c.DatabaseURL, "database", env("ECOURT_DATABASE_URL", ""), "sqlite:///path or postgres://… (ECOURT_DATABASE_URL); default SQLite in the data directory")
	fs.StringVar(&c.NATSURL, "nats", env("ECOURT_NATS_URL", "nats://embedded"), "nats://embedded or nats://host:4222 (ECOURT_NATS_URL)")
	fs.StringVar(&c.BlobURL, "blobs", env("ECOURT_BLOB_URL", ""), "file:///dir or s3://bucket?endpoint=… (ECOURT_BLOB_URL); default the data directory")
	fs.BoolVar(&c.Demo, "demo", demo, "seed demo data when the database is empty and show the demo helpers (ECOURT_DEMO)")
	sandboxPay, _ := strconv.ParseBool(env("ECOURT_PAYMENT_SANDBOX", "false"))
	fs.BoolVar(&c.PaymentSandbox, "payment-sandbox", sandboxPay, "enable the sandbox payment gateway outside demo mode (ECOURT_PAYMENT_SANDBOX)")
	fs.Int64Var(&c.BlobInlineMax, "blob-inline-max", int64(envInt("ECOURT_BLOB_INLINE_MAX", 0)), "largest file in bytes kept in the database instead of the blob store (ECOURT_BLOB_INLINE_MAX); 0: 64 KiB, -1: none")
	fs.StringVar(&c.SQLiteSynchronous, "sqlite-synchronous", env("ECOURT_SQLITE_SYNCHRONOUS", "FULL"), "FULL (durable, default) or NORMAL")
	fs.StringVar(&c.VideoURL, "video", env("ECOURT_VIDEO_URL", "livekit://embedded"), "hearing video: livekit://embedded, the wss:// URL of a LiveKit cluster (ECOURT_VIDEO_API_KEY, ECOURT_VIDEO_API_SECRET or _FILE), or none")
	fs.StringVar(&c.VideoBind, "video-bind", env("ECOURT_VIDEO_BIND", "127.0.0.1"), "embedded video: listen address")
	fs.StringVar(&c.VideoNodeIP, "video-node-ip", env("ECOURT_VIDEO_NODE_IP", "127.0.0.1"), "embedded video: the address browsers reach for media (the public IP behind NAT)")
	fs.IntVar(&c.VideoHTTPPort, "video-http-port", envInt("ECOURT_VIDEO_HTTP_PORT", 7890), "embedded video: signalling port")
	fs.IntVar(&c.VideoUDPPort, "video-udp-port", envInt("ECOURT_VIDEO_UDP_PORT", 7892), "embedded video: the one UDP port for all media")
	fs.IntVar(&c.VideoTCPPort, "video-tcp-port", envInt("ECOURT_VIDEO_TCP_PORT", 7891), "embedded video: TCP fallback port for networks that block UDP")
	fs.StringVar(&c.STTURL, "stt", env("ECOURT_STT_URL", ""), "speech-to-text suggestions for the hearing record: base URL of an OpenAI-compatible transcription endpoint (key in ECOURT_STT_KEY or _FILE); empty: off")
	fs.StringVar(&c.STTModel, "stt-model", env("ECOURT_STT_MODEL", "whisper-1"), "speech-to-text model name")
	fs.StringVar(&c.PublicURL, "public-url", env("ECOURT_PUBLIC_URL", ""), "public address printed on court documents for verification (default: the listening address)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "mark cookies Secure behind a TLS proxy (ECOURT_SECURE_COOKIES)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", proxy, "trust X-Forwarded-For/-Proto (ECOURT_TRUST_PROXY)")
	c.SecretFile = os.Getenv("ECOURT_SECRET_FILE")
	return c
}

func logger() *slog.Logger {
	level := slog.LevelInfo
	if strings.EqualFold(os.Getenv("ECOURT_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	if strings.EqualFold(os.Getenv("ECOURT_LOG_FORMAT"), "json") {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg := configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.S3AccessKey, cfg.S3SecretKey, err = blob.CredentialsFromEnv(); err != nil {
		return err
	}
	if cfg.VideoAPIKey, err = secretEnv("ECOURT_VIDEO_API_KEY"); err != nil {
		return err
	}
	if cfg.VideoAPISecret, err = secretEnv("ECOURT_VIDEO_API_SECRET"); err != nil {
		return err
	}
	if cfg.STTKey, err = secretEnv("ECOURT_STT_KEY"); err != nil {
		return err
	}
	cfg.Logger = logger()
	slog.SetDefault(cfg.Logger)
	minProcs()
	gcPercent()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, *cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	url, err := a.Listen()
	if err != nil {
		return err
	}
	if addr := os.Getenv("ECOURT_PPROF_ADDR"); addr != "" {
		// Profiling for operators and benchmarks, on its own listener
		// (keep it on loopback): never on the public address.
		// ECOURT_PPROF_BLOCK=1 also records blocking and lock contention
		// longer than 1 ms (/debug/pprof/block, /debug/pprof/mutex).
		if os.Getenv("ECOURT_PPROF_BLOCK") != "" {
			runtime.SetBlockProfileRate(int(time.Millisecond))
			runtime.SetMutexProfileFraction(10)
		}
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			cfg.Logger.Info("pprof listening", "addr", addr, "err", http.ListenAndServe(addr, mux))
		}()
	}
	// Start-up (migrations, seeding, templates, fonts) leaves garbage that
	// GOGC=200 would keep until the heap triples: hand it back to the OS
	// once, so that an idle server stays small.
	debug.FreeOSMemory()
	fmt.Printf("ecourt is running: open %s\n", url)
	if cfg.Demo {
		fmt.Printf("demo mode: pick a role at %s/demo (every demo password is %s)\n", url, app.DemoPassword)
	}
	return a.Run(ctx)
}

// minProcs runs the server with at least two Ps even on one CPU (a small
// VM, or a process pinned to one core), unless GOMAXPROCS is set. The
// embedded JetStream fsyncs every stored event and SQLite writes its WAL
// with blocking system calls; with a single P, the goroutines waiting to
// run sit behind each blocked call until the runtime's monitor hands the P
// over, which showed as 100–200 ms stalls at the 99th percentile of filing
// submissions on one core. With two Ps the 99th percentile fell from
// 139 ms to 26 ms and the rate rose 18 % on the same core (bench/README.md,
// issue 3).
func minProcs() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}

// gcPercent lets the heap grow to three times the live data between
// collections (GOGC=200) instead of Go's default twice, unless GOGC is
// set. The server's live heap is small (tens of MB, bench/README.md), so
// the cost is little memory, and the collector runs half as often: on one
// core, allocation and collection took about 12 % of the CPU of filing
// submissions at GOGC=100, and the one-request filing rate rose by about a
// tenth at 200 (issue 3).
func gcPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

func token(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	cfg := configFlags(fs)
	login := fs.String("login", "", "the account's login name or mobile number")
	name := fs.String("name", "cli", "a label for the token")
	ttl := fs.Duration("ttl", 365*24*time.Hour, "how long the token is valid")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	t, err := app.OpenTools(ctx, *cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	switch args[0] {
	case "create":
		if *login == "" {
			return errors.New("token create needs --login")
		}
		tok, sess, err := t.Identity.CreateToken(ctx, *login, *name, *ttl)
		if err != nil {
			return err
		}
		fmt.Println(tok)
		fmt.Fprintf(os.Stderr, "token %s for %s, valid until %s\n", sess.ID, *login, sess.ExpiresAt.Format(time.RFC3339))
		return nil
	case "revoke":
		if fs.NArg() != 1 {
			return errors.New("token revoke needs the token ID")
		}
		return t.Identity.RevokeToken(ctx, fs.Arg(0))
	}
	return fmt.Errorf("unknown token command %q", args[0])
}

func auditCmd(args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	cfg := configFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	t, err := app.OpenTools(ctx, *cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	rep, err := t.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("%d entries in %d chains\n", rep.Entries, rep.Chains)
	if rep.OK() {
		fmt.Println("audit log intact")
		return nil
	}
	for _, b := range rep.Broken {
		fmt.Println("BROKEN:", b.String())
	}
	return errors.New("audit log does not verify")
}

func sealCmd(args []string) error {
	if len(args) < 2 || args[0] != "rotate" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("seal", flag.ContinueOnError)
	cfg := configFlags(fs)
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	ctx := context.Background()
	t, err := app.OpenTools(ctx, *cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	c, err := t.RotateSeal(ctx, args[1])
	if err != nil {
		return err
	}
	fmt.Printf("new seal of %s: serial %s, SHA-256 fingerprint %s, valid %s to %s\n", c.Name, c.Serial, c.Fingerprint,
		c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
	return nil
}

func backup(args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	cfg := configFlags(fs)
	// Accept "backup DIR [flags]" as well as "backup [flags] DIR".
	var dir string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if dir == "" && fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	if dir == "" {
		return errors.New("backup needs a target directory")
	}
	ctx := context.Background()
	var err error
	if cfg.S3AccessKey, cfg.S3SecretKey, err = blob.CredentialsFromEnv(); err != nil {
		return err
	}
	t, err := app.OpenTools(ctx, *cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	res, err := t.Backup(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Printf("backup written to %s: database %s, %d blobs copied\n", res.Dir, res.Database, res.Blobs)
	return nil
}
