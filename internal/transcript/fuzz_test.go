package transcript_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/transcript"
)

// FuzzParseTranscription: whatever the endpoint answers, the parser
// returns a suggestion or an unavailable error, never panics, and never
// hands the clerk untrimmed text.
func FuzzParseTranscription(f *testing.F) {
	f.Add([]byte(`{"text":" 你好 ","segments":[{"start":0,"end":1.5,"text":"你好"}]}`))
	f.Add([]byte(`{"text":""}`))
	f.Add([]byte(`{"error":{"message":"x"}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"text":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := transcript.ParseTranscription(data)
		if err != nil {
			if errs.CodeOf(err) != errs.Unavailable {
				t.Fatalf("error %v is not unavailable", err)
			}
			return
		}
		if s.Text != strings.TrimSpace(s.Text) {
			t.Fatalf("untrimmed text %q", s.Text)
		}
		if utf8.Valid(data) && !utf8.ValidString(s.Text) {
			t.Fatalf("invalid text from valid input")
		}
	})
}
