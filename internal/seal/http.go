package seal

import (
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/web"
)

// RootPath is where Routes publishes the platform root certificate.
const RootPath = "/seal/root.pem"

// Routes registers the public route of the seal on mux:
//
//	GET /seal/root.pem   the platform root certificate (PEM), no login
//
// Whoever adds it to their trust store (pdfsig's NSS database, Adobe
// Reader's trusted certificates) sees every court seal of the platform as
// trusted.
func (s *Service) Routes(mux web.Mux) {
	mux.HandleFunc("GET "+RootPath, s.handleRoot)
}

func (s *Service) handleRoot(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/x-pem-file")
	h.Set("Content-Disposition", `inline; filename="ecourt-root.pem"`)
	h.Set("Cache-Control", "public, max-age=86400")
	w.Write(s.rootPEM) //nolint:errcheck // the client went away
}
