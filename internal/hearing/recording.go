package hearing

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Recording is one recorded track of a hearing: a participant's audio or
// video, kept in the blob store (Online Litigation Rules Art. 27: the
// court records every online hearing; nobody else may).
type Recording struct {
	ID        string    `json:"id"`
	HearingID string    `json:"hearing_id"`
	Identity  string    `json:"identity"` // the participant recorded
	Kind      string    `json:"kind"`     // audio or video
	Codec     string    `json:"codec"`    // audio/opus (Ogg), video/VP8 (IVF)
	SHA256    string    `json:"sha256"`
	Bytes     int64     `json:"bytes"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at"`
}

// AddRecording records a finished track of the hearing whose file is
// already in the blob store. It is for the platform's recorder (no
// signed-in user; call it with casefile.AsSystem); repeating it for the
// same file changes nothing. Writes the audit entry
// "hearing.recording.add".
func (s *Service) AddRecording(ctx context.Context, r Recording) (Recording, error) {
	h, err := loadHearing(ctx, s.db, r.HearingID)
	if err != nil {
		return Recording{}, err
	}
	if len(r.SHA256) != 64 || (r.Kind != "audio" && r.Kind != "video") || r.Identity == "" {
		return Recording{}, errs.Fields(errs.Field("recording", "invalid"))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM hearing_recording WHERE hearing_id = ? AND sha256 = ?`, h.ID, r.SHA256).Scan(&n); err != nil || n > 0 {
			return err
		}
		r.ID = ids.New()
		if _, err := tx.Exec(ctx, `INSERT INTO hearing_recording (court_id, id, hearing_id, identity, kind, codec, sha256, bytes,
			started_at, ended_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.CourtID, r.ID, h.ID, r.Identity, r.Kind,
			r.Codec, r.SHA256, r.Bytes, r.StartedAt.UTC(), r.EndedAt.UTC(), tx.Now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "hearing.recording.add", CourtID: h.CourtID, CaseID: h.CaseID,
			Target: h.ID, Detail: map[string]any{"sha256": r.SHA256, "kind": r.Kind, "identity": r.Identity}})
	})
	return r, err
}

// Recordings lists a hearing's recorded tracks to those who may read its
// case (casefile Authorize: the parties, their representatives and the
// court's staff), earliest first. The read is audited by the casefile.
func (s *Service) Recordings(ctx context.Context, hearingID string) ([]Recording, error) {
	h, err := s.Find(ctx, hearingID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, hearing_id, identity, kind, codec, sha256, bytes, started_at, ended_at
		FROM hearing_recording WHERE hearing_id = ? ORDER BY started_at, id`, h.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Recording{}
	for rows.Next() {
		var r Recording
		if err := rows.Scan(&r.ID, &r.HearingID, &r.Identity, &r.Kind, &r.Codec, &r.SHA256, &r.Bytes, &r.StartedAt, &r.EndedAt); err != nil {
			return nil, err
		}
		r.StartedAt, r.EndedAt = r.StartedAt.UTC(), r.EndedAt.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Blobs opens stored files (the blob store).
type Blobs interface {
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// OpenRecording returns one recorded track's file to those who may read the
// case; the download is audited ("hearing.recording.play").
func (s *Service) OpenRecording(ctx context.Context, hearingID, recordingID string, blobs Blobs) (Recording, io.ReadCloser, error) {
	list, err := s.Recordings(ctx, hearingID)
	if err != nil {
		return Recording{}, nil, err
	}
	for _, r := range list {
		if r.ID != recordingID {
			continue
		}
		h, err := loadHearing(ctx, s.db, hearingID)
		if err != nil {
			return Recording{}, nil, err
		}
		if err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			return audit.Append(ctx, tx, audit.Record{Action: "hearing.recording.play", CourtID: h.CourtID, CaseID: h.CaseID,
				Target: r.ID})
		}); err != nil {
			return Recording{}, nil, err
		}
		rc, err := blobs.Open(ctx, r.SHA256)
		return r, rc, err
	}
	return Recording{}, nil, errs.New(errs.NotFound, "hearing.error.not_found")
}

// RecordingRoutes serves GET /api/v1/hearings/{id}/recordings and
// GET /api/v1/hearings/{id}/recordings/{rid} (the file: Ogg Opus audio or
// IVF VP8 video).
func (s *Service) RecordingRoutes(mux web.Mux, blobs Blobs) {
	mux.HandleFunc("GET /api/v1/hearings/{id}/recordings", func(w http.ResponseWriter, r *http.Request) {
		list, err := s.Recordings(r.Context(), r.PathValue("id"))
		if err != nil {
			web.Error(w, r, err)
			return
		}
		web.JSON(w, http.StatusOK, map[string]any{"items": list})
	})
	mux.HandleFunc("GET /api/v1/hearings/{id}/recordings/{rid}", func(w http.ResponseWriter, r *http.Request) {
		rec, rc, err := s.OpenRecording(r.Context(), r.PathValue("id"), r.PathValue("rid"), blobs)
		if err != nil {
			web.Error(w, r, err)
			return
		}
		defer rc.Close()
		ctype := "audio/ogg"
		if rec.Kind == "video" {
			ctype = "video/x-ivf"
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", "private, no-store")
		io.Copy(w, rc) //nolint:errcheck // the client may go away
	})
}
