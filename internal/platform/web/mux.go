package web

import "net/http"

// Mux is what a context's Routes function registers on: *http.ServeMux
// satisfies it, and so does the app's recording wrapper that lets a test
// check every registered route against the OpenAPI document.
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// RecordingMux registers on a *http.ServeMux and remembers every pattern.
type RecordingMux struct {
	*http.ServeMux
	Patterns []string
}

// NewRecordingMux returns a RecordingMux on a new ServeMux.
func NewRecordingMux() *RecordingMux { return &RecordingMux{ServeMux: http.NewServeMux()} }

// Handle registers handler for pattern.
func (m *RecordingMux) Handle(pattern string, handler http.Handler) {
	m.Patterns = append(m.Patterns, pattern)
	m.ServeMux.Handle(pattern, handler)
}

// HandleFunc registers handler for pattern.
func (m *RecordingMux) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	m.Patterns = append(m.Patterns, pattern)
	m.ServeMux.HandleFunc(pattern, handler)
}
