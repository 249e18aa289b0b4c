package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// The peer: Centrifugo v6 (memory engine) from /tmp/peers, configured here.
// Its clients use the unidirectional SSE transport (uni_sse) with
// server-side subscriptions from the connection token's "channels" claim;
// the external port speaks HTTP/1.1 and h2c like the hub's server, the
// server API (/api/batch, API key) is on the internal port.

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// centrifugoToken is an HS256 connection JWT for user sub, subscribed by
// the server to channels.
func centrifugoToken(secret, sub string, channels []string) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{
		"sub":      sub,
		"exp":      time.Now().Add(24 * time.Hour).Unix(),
		"channels": channels,
	})
	body := head + "." + enc.EncodeToString(claims)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return body + "." + enc.EncodeToString(m.Sum(nil))
}

// centrifugoConfig writes a configuration file into dir and returns its
// path.
func centrifugoConfig(dir string, port, internalPort int, secret, apiKey string) (string, error) {
	cfg := map[string]any{
		"http_server": map[string]any{
			"address":          "127.0.0.1",
			"port":             port,
			"internal_address": "127.0.0.1",
			"internal_port":    fmt.Sprint(internalPort),
			"h2c_external":     true,
		},
		"log":         map[string]any{"level": "error"},
		"engine":      map[string]any{"type": "memory"},
		"client":      map[string]any{"token": map[string]any{"hmac_secret_key": secret}, "allowed_origins": []string{"*"}},
		"http_api":    map[string]any{"key": apiKey},
		"uni_sse":     map[string]any{"enabled": true},
		"health":      map[string]any{"enabled": true},
		"usage_stats": map[string]any{"disabled": true},
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "centrifugo.json")
	return p, os.WriteFile(p, b, 0o600)
}

// centrifugoBatch is the body of POST /api/batch publishing items.
func centrifugoBatch(items []pubItem, parallel bool) ([]byte, error) {
	type publish struct {
		Channel string          `json:"channel"`
		Data    json.RawMessage `json:"data"`
	}
	type command struct {
		Publish publish `json:"publish"`
	}
	cmds := make([]command, len(items))
	for i, it := range items {
		cmds[i] = command{Publish: publish{Channel: it.Topic, Data: it.Data}}
	}
	return json.Marshal(map[string]any{"commands": cmds, "parallel": parallel})
}
