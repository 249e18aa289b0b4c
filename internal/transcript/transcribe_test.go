package transcript_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/transcript"
)

// fakeSTT behaves like an OpenAI-compatible transcription endpoint: it
// checks the key, the multipart form and the size, and answers with the
// same JSON and errors.
type fakeSTT struct {
	status     int    // forced error status (0: success)
	retryAfter string // Retry-After of a 429
	maxBytes   int64
	got        struct{ model, language, format, filename, contentType, audio string }
}

func (s *fakeSTT) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": nil}})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/transcriptions" {
		fail(http.StatusNotFound, "invalid_request_error", "Unknown request URL")
		return
	}
	if r.Header.Get("Authorization") != "Bearer sk-test" {
		fail(http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
		return
	}
	switch s.status {
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", s.retryAfter)
		fail(s.status, "requests", "Rate limit reached for requests")
		return
	case http.StatusInternalServerError:
		fail(s.status, "server_error", "The server had an error while processing your request")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBytes)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(http.StatusRequestEntityTooLarge, "invalid_request_error", "Maximum content size limit exceeded")
			return
		}
		fail(http.StatusBadRequest, "invalid_request_error", "Could not parse multipart form")
		return
	}
	f, h, err := r.FormFile("file")
	if err != nil || r.FormValue("model") == "" {
		fail(http.StatusBadRequest, "invalid_request_error", "file and model are required")
		return
	}
	b, _ := io.ReadAll(f)
	s.got.model, s.got.language, s.got.format = r.FormValue("model"), r.FormValue("language"), r.FormValue("response_format")
	s.got.filename, s.got.contentType, s.got.audio = h.Filename, h.Header.Get("Content-Type"), string(b)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"task": "transcribe", "language": "chinese", "duration": 2.5,
		"text": " 被告对借款金额没有异议。 ", "segments": []map[string]any{{"id": 0, "start": 0.0, "end": 2.5, "text": "被告对借款金额没有异议。"}}})
}

func newSTT(t *testing.T, fake *fakeSTT) *transcript.OpenAITranscriber {
	if fake.maxBytes == 0 {
		fake.maxBytes = 1 << 20
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &transcript.OpenAITranscriber{BaseURL: srv.URL + "/", APIKey: "sk-test", Model: "whisper-1", Timeout: 5 * time.Second}
}

func TestTranscriberSuccess(t *testing.T) {
	fake := &fakeSTT{}
	c := newSTT(t, fake)
	s, err := c.Transcribe(context.Background(), strings.NewReader("RIFF....WAVE"), "audio/webm;codecs=opus", "zh")
	if err != nil {
		t.Fatal(err)
	}
	if s.Text != "被告对借款金额没有异议。" || len(s.Segments) != 1 || s.Segments[0].End != 2.5 {
		t.Errorf("suggestion %+v", s)
	}
	g := fake.got
	if g.model != "whisper-1" || g.language != "zh" || g.format != "verbose_json" || g.filename != "audio.webm" ||
		g.contentType != "audio/webm;codecs=opus" || g.audio != "RIFF....WAVE" {
		t.Errorf("request %+v", g)
	}
}

func TestTranscriberErrors(t *testing.T) {
	tests := []struct {
		name   string
		fake   fakeSTT
		key    string
		audio  string
		code   errs.Code
		status int
		retry  time.Duration
	}{
		{name: "401 wrong key", key: "sk-wrong", code: errs.Unavailable, status: 401},
		{name: "413 too large", fake: fakeSTT{maxBytes: 100}, audio: strings.Repeat("x", 5000), code: errs.Invalid, status: 413},
		{name: "429 with Retry-After", fake: fakeSTT{status: 429, retryAfter: "7"}, code: errs.RateLimited, status: 429, retry: 7 * time.Second},
		{name: "500", fake: fakeSTT{status: 500}, code: errs.Unavailable, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newSTT(t, &tt.fake)
			if tt.key != "" {
				c.APIKey = tt.key
			}
			audio := tt.audio
			if audio == "" {
				audio = "audio"
			}
			_, err := c.Transcribe(context.Background(), strings.NewReader(audio), "audio/wav", "zh")
			if errs.CodeOf(err) != tt.code {
				t.Fatalf("error %v: code %s, want %s", err, errs.CodeOf(err), tt.code)
			}
			var te *transcript.TranscribeError
			if !errors.As(err, &te) || te.Status != tt.status || te.RetryAfter != tt.retry || te.Message == "" {
				t.Fatalf("error %#v, want status %d retry %v", err, tt.status, tt.retry)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		c := &transcript.OpenAITranscriber{BaseURL: srv.URL, Model: "whisper-1"}
		_, err := c.Transcribe(context.Background(), strings.NewReader("a"), "audio/wav", "zh")
		wantCode(t, err, errs.Unavailable, "transcript.error.stt_failed")
	})
	t.Run("timeout", func(t *testing.T) {
		block := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
		defer srv.Close()
		defer close(block)
		c := &transcript.OpenAITranscriber{BaseURL: srv.URL, Model: "whisper-1", Timeout: 50 * time.Millisecond}
		_, err := c.Transcribe(context.Background(), strings.NewReader("a"), "audio/wav", "zh")
		wantCode(t, err, errs.Unavailable, "transcript.error.stt_timeout")
	})
	t.Run("audio over the limit is refused before sending", func(t *testing.T) {
		fake := &fakeSTT{}
		c := newSTT(t, fake)
		_, err := c.Transcribe(context.Background(), io.LimitReader(zeros{}, transcript.MaxAudio+1), "audio/wav", "zh")
		wantField(t, err, "audio", "too_large")
		if fake.got.model != "" {
			t.Error("the audio was sent")
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestSuggestWritesNothing: without a transcriber the feature says it is
// off; with one, only the clerk or judge gets a suggestion and nothing is
// written into the record.
func TestSuggestWritesNothing(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		forEachDB(t, func(t *testing.T, f *fixture) {
			f.start(t)
			_, err := f.s.Suggest(f.as("u-clerk"), hearing, strings.NewReader("a"), "audio/wav", "")
			wantCode(t, err, errs.Unavailable, "transcript.error.stt_off")
			if f.find(t, "u-clerk").Transcriber {
				t.Error("transcriber reported on")
			}
		})
	})
	t.Run("on", func(t *testing.T) {
		fake := &fakeSTT{}
		forEachDBOpts(t, fixtureOpts{transcriber: newSTT(t, fake)}, func(t *testing.T, f *fixture) {
			f.start(t)
			_, err := f.s.Suggest(f.as("u-party"), hearing, strings.NewReader("a"), "audio/wav", "")
			wantCode(t, err, errs.Forbidden, "transcript.error.not_writer")
			s, err := f.s.Suggest(f.as("u-clerk"), hearing, strings.NewReader("a"), "audio/wav", "")
			if err != nil || s.Text == "" || fake.got.language != "zh" {
				t.Fatalf("Suggest: %+v, %v", s, err)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM transcript_entry`); n != 0 {
				t.Errorf("a suggestion wrote %d entries", n)
			}
		})
	})
}
