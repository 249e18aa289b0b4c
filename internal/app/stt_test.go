package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestSpeechToTextConfigured: with --stt pointing at an OpenAI-compatible
// transcription endpoint (here a local stand-in that checks the request
// like the real one: path, bearer key, multipart file and model), the
// judge of a hearing gets the endpoint's text as a suggestion for the
// record; without it the platform answers that suggestions are off.
func TestSpeechToTextConfigured(t *testing.T) {
	t.Parallel()
	var gotModel string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/audio/transcriptions" || r.Header.Get("Authorization") != "Bearer sk-local" {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "Incorrect API key provided"}})
			return
		}
		if _, _, err := r.FormFile("file"); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "file is required"}})
			return
		}
		gotModel = r.FormValue("model")
		json.NewEncoder(w).Encode(map[string]any{"text": "被告对借款金额没有异议。", "language": "chinese"})
	}))
	t.Cleanup(fake.Close)

	for _, on := range []bool{true, false} {
		cfg := testConfig(t, true)
		if on {
			cfg.STTURL, cfg.STTKey, cfg.STTModel = fake.URL, "sk-local", "whisper-large-v3"
		}
		ta := startApp(t, cfg)
		var caseID string
		if err := ta.DB.QueryRow(context.Background(), `SELECT id FROM casefile_case WHERE type_code = '民初' AND cause = '民间借贷纠纷' ORDER BY created_at LIMIT 1`).Scan(&caseID); err != nil {
			t.Fatal(err)
		}
		judge := newClient(t, ta.URL)
		judge = judge.withToken(loginAPI(t, judge, "judge", DemoPassword))
		start := time.Now().AddDate(0, 0, 5).Truncate(time.Hour)
		r := must(t, judge.do("POST", "/api/v1/cases/"+caseID+"/hearings", map[string]any{"starts_at": start,
			"duration_minutes": 60, "courtroom": "第三法庭", "public": true}), http.StatusCreated)
		hid := decode[struct{ ID string }](t, r).ID
		if r := judge.do("POST", "/api/v1/hearings/"+hid+"/record", map[string]any{"case_id": caseID, "place": "第三法庭"}); r.StatusCode >= 300 {
			t.Fatalf("start the record: %s", r)
		}
		req, _ := http.NewRequest("POST", ta.URL+"/api/v1/hearings/"+hid+"/record/suggestions?language=zh", bytes.NewReader([]byte("RIFF....WAVEfmt ")))
		req.Header.Set("Content-Type", "audio/wav")
		req.Header.Set("Authorization", "Bearer "+judge.token)
		if !on {
			r = judge.send(req)
			if r.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("suggestion without --stt: %s", r)
			}
			continue
		}
		r = must(t, judge.send(req), http.StatusOK)
		if !strings.Contains(r.String(), "没有异议") || gotModel != "whisper-large-v3" {
			t.Errorf("suggestion: %s (model %q)", r, gotModel)
		}
	}
}

func TestConfigRefusesABadSTTURL(t *testing.T) {
	cfg := testConfig(t, false)
	cfg.STTURL = "ftp://example"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "--stt") {
		t.Errorf("Validate = %v", err)
	}
}
