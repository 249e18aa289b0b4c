package blob

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	endpoint := fakeS3(t)
	dir := t.TempDir()
	tests := []struct {
		url  string
		want string // "local", "s3" or "error"
	}{
		{"file://" + filepath.Join(dir, "a"), "local"},
		{"file://localhost" + filepath.Join(dir, "b"), "local"},
		{filepath.Join(dir, "c"), "local"},
		{"s3://bucket?endpoint=" + endpoint + "&secure=false&lookup=path", "s3"},
		{"s3://bucket", "s3"},
		{"s3://bucket?prefix=ecourt/&region=cn-north-1&lookup=dns", "s3"},
		{"", "error"},
		{"file://", "error"},
		{"file:relative/path", "error"},
		{"file://otherhost/data", "error"},
		{"s3://", "error"},
		{"s3://bucket/path", "error"},
		{"s3://bucket?secure=maybe", "error"},
		{"s3://bucket?lookup=sideways", "error"},
		{"s3://bucket?endpont=typo:9000", "error"},
		{"gs://bucket", "error"},
	}
	for _, tt := range tests {
		s, err := Open(ctx, tt.url, Options{})
		var got string
		switch s.(type) {
		case *Local:
			got = "local"
		case *S3:
			got = "s3"
		case nil:
			got = "error"
		}
		if got != tt.want || (err != nil) != (tt.want == "error") {
			t.Errorf("Open(%q) = %T, %v; want %s", tt.url, s, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "sha256")); err != nil {
		t.Errorf("Open(file://…) did not create the store: %v", err)
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte("AKID\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		env              map[string]string
		access, secret   string
		wantErrSubstring string
	}{
		{"unset", nil, "", "", ""},
		{"plain", map[string]string{"ECOURT_S3_ACCESS_KEY": "AK", "ECOURT_S3_SECRET_KEY": "SK"}, "AK", "SK", ""},
		{"files", map[string]string{"ECOURT_S3_ACCESS_KEY_FILE": keyFile, "ECOURT_S3_SECRET_KEY_FILE": secretFile}, "AKID", "s3cr3t", ""},
		{"mixed", map[string]string{"ECOURT_S3_ACCESS_KEY": "AK", "ECOURT_S3_SECRET_KEY_FILE": secretFile}, "AK", "s3cr3t", ""},
		{"both", map[string]string{"ECOURT_S3_SECRET_KEY": "SK", "ECOURT_S3_SECRET_KEY_FILE": secretFile}, "", "", "both"},
		{"missing file", map[string]string{"ECOURT_S3_ACCESS_KEY_FILE": filepath.Join(dir, "nope")}, "", "", "ECOURT_S3_ACCESS_KEY_FILE"},
	}
	names := []string{"ECOURT_S3_ACCESS_KEY", "ECOURT_S3_SECRET_KEY", "ECOURT_S3_ACCESS_KEY_FILE", "ECOURT_S3_SECRET_KEY_FILE"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range names {
				t.Setenv(n, "")
				os.Unsetenv(n)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			access, secret, err := CredentialsFromEnv()
			if tt.wantErrSubstring != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSubstring) {
					t.Errorf("CredentialsFromEnv() error = %v, want one mentioning %q", err, tt.wantErrSubstring)
				}
				return
			}
			if err != nil || access != tt.access || secret != tt.secret {
				t.Errorf("CredentialsFromEnv() = %q, %q, %v; want %q, %q, nil", access, secret, err, tt.access, tt.secret)
			}
		})
	}
}
