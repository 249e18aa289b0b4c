// Package transcript is the record of a hearing (庭审笔录): the clerk types
// it live while the parties watch it change, session marks (open, recess,
// close) appear in it, and at the end every participant checks it and
// confirms it online with a one-time code, or objects; the final record is
// rendered as a PDF and issued by the document context.
//
// Law: CPL Art. 150 (the clerk records all the activities of the hearing;
// participants may apply to correct their statements, and a refused
// correction is recorded; participants sign, and a refusal to sign is
// recorded and kept with the file); Online Litigation Rules Art. 33
// (confirmation online, 在线确认, counts as signing) and Art. 34 (an
// electronic record made in step with the hearing and checked online has
// the same effect as a paper one).
package transcript

import (
	"context"
	"embed"
	"io"
	"io/fs"
	"log/slog"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations is the transcript schema (tables transcript_*). It needs
// audit.Migrations, bus.Migrations and jobs.Migrations before it.
var Migrations = sqldb.Embedded("transcript", migrationsFS)

//go:embed messages
var messagesFS embed.FS

// Messages is the transcript message bundle (zh-CN.json, en.json): keys
// "transcript.…".
var Messages fs.FS = mustSub(messagesFS, "messages")

//go:embed templates
var templatesFS embed.FS

// Templates are the transcript pages, for web.PageSet{Namespace:
// "transcript"}: "transcript/record" (the clerk's live editor and the
// participants' read-and-sign page) with the fragment "entries".
var Templates fs.FS = mustSub(templatesFS, "templates")

//go:embed static
var staticFS embed.FS

// Static holds record.js, the script of the record page (live refresh over
// server-sent events; no inline scripts, CSP). Pages serves it itself at
// ScriptPath; the app may instead add it to its hashed assets.
var Static fs.FS = mustSub(staticFS, "static")

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 fragment of the transcript API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Cases is the part of the casefile transcript uses; *casefile.Service
// satisfies it. Authorize is the one access check (audited there).
type Cases interface {
	Authorize(ctx context.Context, caseID string, need casefile.Need) (casefile.Case, error)
}

// Courts gives the court's name for the printed record; *court.Service
// satisfies it.
type Courts interface {
	Find(ctx context.Context, id string) (court.Court, error)
}

// Codes sends and checks one-time codes by SMS to a person's verified
// mobile number. purpose scopes a code: a code sent for one purpose is
// never accepted for another. Check returns false (and no error) for a
// wrong, used or expired code, and must count attempts so codes cannot be
// guessed. The app adapts internal/identity to it.
type Codes interface {
	Send(ctx context.Context, accountID, purpose string) error
	Check(ctx context.Context, accountID, purpose, code string) (bool, error)
}

// DocumentRef names an issued document: its ID and its public
// verification code.
type DocumentRef struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// Issuer renders doc (a render.KindHearingRecord), seals it, stores it
// with the case and enters it in the ledger. The app adapts
// internal/document to it. IssueRecord must be idempotent on key: a retry
// with the same key returns the same document.
type Issuer interface {
	IssueRecord(ctx context.Context, caseID, courtID string, doc render.Document, key string) (DocumentRef, error)
}

// Live is the bus's live fan-out; *bus.Bus satisfies it.
type Live interface {
	Live(ctx context.Context, subjectFilter string) (<-chan bus.Event, func())
}

// Suggestion is what a Transcriber heard: the whole text and, when the
// service gives them, timed segments. It is shown to the clerk and never
// written into the record by itself.
type Suggestion struct {
	Text     string    `json:"text"`
	Language string    `json:"language,omitempty"`
	Segments []Segment `json:"segments,omitempty"`
}

// Segment is a timed piece of a Suggestion (seconds from the start of the
// audio).
type Segment struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Text  string  `json:"text"`
}

// Transcriber turns speech into text. language is a BCP 47 / ISO 639-1
// code ("zh", "en"); contentType is the audio's MIME type.
type Transcriber interface {
	Transcribe(ctx context.Context, audio io.Reader, contentType, language string) (Suggestion, error)
}

// Deps are the Service's collaborators. Cases, Courts and Codes are
// required. Without an Issuer a record still becomes final, but no PDF is
// issued (the record shows none). Without Live the event stream sends
// only its first snapshot. Without a Transcriber speech-to-text is off
// (Suggest returns errs.Unavailable "transcript.error.stt_off").
type Deps struct {
	Cases       Cases
	Courts      Courts
	Codes       Codes
	Issuer      Issuer
	Live        Live
	Transcriber Transcriber
	Logger      *slog.Logger
}

// Service is the transcript context. It is safe for concurrent use.
type Service struct {
	db   *sqldb.DB
	deps Deps
	log  *slog.Logger
}

// New returns the transcript service on db with deps.
func New(db *sqldb.DB, deps Deps) *Service {
	s := &Service{db: db, deps: deps, log: deps.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// TranscriberOn reports whether speech-to-text suggestions are available.
func (s *Service) TranscriberOn() bool { return s.deps.Transcriber != nil }
