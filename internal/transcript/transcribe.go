package transcript

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// OpenAITranscriber is a Transcriber for an OpenAI-compatible endpoint:
// POST {BaseURL}/v1/audio/transcriptions, multipart form with file, model,
// language and response_format=verbose_json, Bearer key; the answer is
// JSON {text, language?, segments?}. Local servers (whisper.cpp server,
// faster-whisper-server, vLLM) speak the same API.
type OpenAITranscriber struct {
	BaseURL string // e.g. https://api.openai.com or http://127.0.0.1:8000
	APIKey  string
	Model   string // e.g. whisper-1
	// Timeout bounds one request (default 60 s).
	Timeout time.Duration
	// Client is the HTTP client (default a new one).
	Client *http.Client
}

// TranscribeError is the error of an endpoint that answered with an HTTP
// error. It wraps an errs.Error whose code tells the caller what to do:
// unavailable (401/403: the key is wrong, 429: busy, 5xx), invalid
// (413: the audio is too large; 400: the audio was not understood).
type TranscribeError struct {
	Status int
	// RetryAfter is the wait the endpoint asked for with a 429 (0 when it
	// gave none).
	RetryAfter time.Duration
	Message    string // the endpoint's error message, for the log
	err        *errs.Error
}

func (e *TranscribeError) Error() string {
	return fmt.Sprintf("transcript: speech-to-text endpoint answered %d: %s", e.Status, e.Message)
}

// Unwrap returns the classified error (errs.As finds it).
func (e *TranscribeError) Unwrap() error { return e.err }

// Transcribe sends audio to the endpoint and returns its text.
func (t *OpenAITranscriber) Transcribe(ctx context.Context, audio io.Reader, contentType, language string) (Suggestion, error) {
	if t.BaseURL == "" || t.Model == "" {
		return Suggestion{}, errs.New(errs.Unavailable, "transcript.error.stt_off")
	}
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+audioFilename(contentType)+`"`)
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	fw, err := mw.CreatePart(h)
	if err != nil {
		return Suggestion{}, err
	}
	n, err := io.Copy(fw, io.LimitReader(audio, MaxAudio+1))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return Suggestion{}, errs.Fields(fieldErr("audio", "too_large", MaxAudio>>20))
	}
	if err != nil {
		return Suggestion{}, fmt.Errorf("transcript: read audio: %w", err)
	}
	if n > MaxAudio {
		return Suggestion{}, errs.Fields(fieldErr("audio", "too_large", MaxAudio>>20))
	}
	_ = mw.WriteField("model", t.Model)
	if language != "" {
		_ = mw.WriteField("language", language)
	}
	_ = mw.WriteField("response_format", "verbose_json")
	if err := mw.Close(); err != nil {
		return Suggestion{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(t.BaseURL, "/")+"/v1/audio/transcriptions", &body)
	if err != nil {
		return Suggestion{}, errs.Wrap(errs.Unavailable, "transcript.error.stt_failed", err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	if t.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+t.APIKey)
	}
	client := t.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return Suggestion{}, errs.Wrap(errs.Unavailable, "transcript.error.stt_timeout", err)
		}
		return Suggestion{}, errs.Wrap(errs.Unavailable, "transcript.error.stt_failed", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Suggestion{}, errs.Wrap(errs.Unavailable, "transcript.error.stt_failed", err)
	}
	if resp.StatusCode/100 != 2 {
		return Suggestion{}, statusError(resp, data)
	}
	return parseTranscription(data)
}

// parseTranscription reads the endpoint's JSON answer ({text, language?,
// segments?}; a plain "json" answer has only text).
func parseTranscription(data []byte) (Suggestion, error) {
	var out struct {
		Text     *string   `json:"text"`
		Language string    `json:"language"`
		Segments []Segment `json:"segments"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.Text == nil {
		if err == nil {
			err = errors.New("no text")
		}
		return Suggestion{}, errs.Wrap(errs.Unavailable, "transcript.error.stt_failed",
			fmt.Errorf("transcript: malformed answer from the speech-to-text endpoint: %w", err))
	}
	sg := Suggestion{Text: strings.TrimSpace(*out.Text), Language: out.Language}
	for _, seg := range out.Segments {
		seg.Text = strings.TrimSpace(seg.Text)
		sg.Segments = append(sg.Segments, seg)
	}
	return sg, nil
}

func statusError(resp *http.Response, data []byte) error {
	var env struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	msg := strings.TrimSpace(string(data))
	if json.Unmarshal(data, &env) == nil && env.Error.Message != "" {
		msg = env.Error.Message
	}
	if r := []rune(msg); len(r) > 300 {
		msg = string(r[:300])
	}
	te := &TranscribeError{Status: resp.StatusCode, Message: msg}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		te.err = errs.New(errs.Unavailable, "transcript.error.stt_auth")
	case resp.StatusCode == http.StatusRequestEntityTooLarge:
		te.err = errs.Fields(fieldErr("audio", "too_large", MaxAudio>>20))
	case resp.StatusCode == http.StatusTooManyRequests:
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s >= 0 {
			te.RetryAfter = time.Duration(s) * time.Second
		} else if at, err := http.ParseTime(resp.Header.Get("Retry-After")); err == nil {
			te.RetryAfter = max(time.Until(at), 0)
		}
		te.err = errs.New(errs.RateLimited, "transcript.error.stt_busy", int(te.RetryAfter.Seconds()))
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnsupportedMediaType:
		te.err = errs.Fields(fieldErr("audio", "audio_unreadable"))
	default:
		te.err = errs.New(errs.Unavailable, "transcript.error.stt_failed")
	}
	te.err.Cause = fmt.Errorf("status %d: %s", resp.StatusCode, msg)
	return te
}

func audioFilename(contentType string) string {
	switch strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0])) {
	case "audio/webm", "video/webm":
		return "audio.webm"
	case "audio/ogg":
		return "audio.ogg"
	case "audio/mpeg", "audio/mp3":
		return "audio.mp3"
	case "audio/mp4", "audio/m4a", "audio/x-m4a":
		return "audio.m4a"
	case "audio/flac":
		return "audio.flac"
	}
	return "audio.wav"
}

// Suggest transcribes a piece of hearing audio for the clerk of the
// hearing. The suggestion is returned to the clerk only; nothing is
// written into the record (the clerk appends what they accept).
//
// Errors: as Append (writers only); unavailable "transcript.error.stt_off"
// without a Transcriber; the Transcriber's errors (TranscribeError wraps
// a classified errs.Error).
func (s *Service) Suggest(ctx context.Context, hearingID string, audio io.Reader, contentType, language string) (Suggestion, error) {
	ctx = withActor(ctx)
	r, err := s.Find(ctx, hearingID)
	if err != nil {
		return Suggestion{}, err
	}
	if !r.CanWrite {
		return Suggestion{}, errs.New(errs.Forbidden, "transcript.error.not_writer")
	}
	if s.deps.Transcriber == nil {
		return Suggestion{}, errs.New(errs.Unavailable, "transcript.error.stt_off")
	}
	if language == "" {
		language = "zh"
	}
	return s.deps.Transcriber.Transcribe(ctx, audio, contentType, language)
}
