package app

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Config is the whole configuration, read once by cmd/ecourt from flags and
// ECOURT_* environment variables and validated by Validate. Secrets come
// from files (*_FILE variables) or are generated into the data directory.
type Config struct {
	Addr        string // listen address, default 127.0.0.1:8080
	DataDir     string // default ./data
	DatabaseURL string // default sqlite://<DataDir>/ecourt.db
	NATSURL     string // default nats://embedded
	BlobURL     string // default file://<DataDir>/blobs
	// BlobInlineMax is the largest blob kept in the database instead of
	// the blob store (blob.Inline): 0 means blob.DefaultInlineMax (64
	// KiB), a negative value keeps every blob in the blob store.
	BlobInlineMax int64
	Demo          bool // seed demo data when the database is empty; show demo helpers
	// SecretFile holds the server's 32+ byte secret; default <DataDir>/secret.key,
	// created with mode 0600 on first start.
	SecretFile string
	// SQLiteSynchronous is "FULL" (default, durable) or "NORMAL".
	SQLiteSynchronous string
	// PaymentSandbox enables the built-in sandbox payment gateway (its
	// cashier marks bills paid without money moving). It is on in demo
	// mode; elsewhere only when asked for, until a real gateway adapter is
	// configured.
	PaymentSandbox bool
	SecureCookies  bool // mark cookies Secure behind a TLS-terminating proxy
	// VideoURL chooses the hearing rooms' media server: "livekit://embedded"
	// (default: LiveKit in this process, started at the first online
	// hearing), the wss:// URL of a LiveKit cluster (with VideoAPIKey and
	// VideoAPISecret), or "none".
	VideoURL                    string
	VideoAPIKey, VideoAPISecret string
	VideoBind, VideoNodeIP      string // embedded: listen address, and the address browsers reach (the public IP behind NAT)
	VideoHTTPPort, VideoUDPPort int    // embedded: signalling port, the single UDP media port
	VideoTCPPort                int    // embedded: ICE/TCP fallback port for networks that block UDP; 0 everywhere: free ports (tests)
	// PublicURL is the address the public reaches the platform at
	// (https://court.example.cn), printed on court documents for
	// verification; default the listening address.
	PublicURL string
	// STTURL is the base URL of an OpenAI-compatible speech-to-text
	// endpoint (POST {STTURL}/v1/audio/transcriptions: a hosted service or
	// a local whisper server) whose suggestions the clerk may take into
	// the hearing record; "" turns suggestions off. STTModel names the
	// model (default whisper-1), STTKey is its bearer key.
	STTURL, STTModel, STTKey string
	TrustProxy               bool
	S3AccessKey              string
	S3SecretKey              string
	Logger                   *slog.Logger
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: --addr %q: %w", c.Addr, err)
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return fmt.Errorf("config: --data: %w", err)
	}
	c.DataDir = abs
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return fmt.Errorf("config: data directory: %w", err)
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "ecourt.db")
	}
	if c.NATSURL == "" {
		c.NATSURL = "nats://embedded"
	}
	if c.BlobURL == "" {
		c.BlobURL = "file://" + filepath.Join(c.DataDir, "blobs")
	}
	if c.SecretFile == "" {
		c.SecretFile = filepath.Join(c.DataDir, "secret.key")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if s := strings.ToUpper(c.SQLiteSynchronous); s != "" && s != "FULL" && s != "NORMAL" {
		return fmt.Errorf("config: sqlite synchronous must be FULL or NORMAL, not %q", c.SQLiteSynchronous)
	}
	if c.STTURL != "" {
		u, err := url.Parse(c.STTURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("config: --stt %q: want the http(s) base URL of a transcription endpoint", c.STTURL)
		}
	}
	return nil
}

// loadSecret reads the server secret, creating it on first start.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("secret %s is shorter than 32 bytes", path)
		}
		return b, nil
	}
	if !os.IsNotExist(err) {
		return nil, err
	}
	b = make([]byte, 32)
	if _, err := randRead(b); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("create secret: %w", err)
	}
	return b, nil
}
