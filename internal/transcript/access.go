package transcript

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

type systemKey struct{}

// AsSystem returns a context in which transcript acts for the platform
// (the hearing context marking the session from a timer or an event
// consumer), with actor as the audit actor when ctx has none. Request
// handlers must never use it.
func AsSystem(ctx context.Context, actor string) context.Context {
	ctx = casefile.AsSystem(context.WithValue(ctx, systemKey{}, true))
	if audit.ActorFrom(ctx).UserID == "" {
		ctx = audit.WithActor(ctx, audit.Actor{UserID: actor})
	}
	return ctx
}

func isSystem(ctx context.Context) bool {
	v, _ := ctx.Value(systemKey{}).(bool)
	return v
}

// withActor makes the signed-in principal the audit actor.
func withActor(ctx context.Context) context.Context {
	if audit.ActorFrom(ctx).UserID != "" {
		return ctx
	}
	if p, ok := auth.From(ctx); ok {
		a := audit.ActorFrom(ctx)
		a.UserID = p.UserID
		return audit.WithActor(ctx, a)
	}
	return ctx
}

// standing is what the caller may do with a record.
type standing struct {
	c      casefile.Case
	writer bool // the case's clerk or judge (or the system)
	userID string
}

// canWrite reports whether p writes the record of case c: the clerk and
// the judge assigned to the case (CPL Art. 150: the clerk records; the
// judge presides and may correct), in their own court.
func canWrite(p auth.Principal, c casefile.Case) bool {
	switch {
	case p.UserID == "":
		return false
	case p.Has(c.CourtID, auth.Clerk) && c.Assignment.ClerkID == p.UserID:
		return true
	case p.Has(c.CourtID, auth.Judge) && c.Assignment.JudgeID == p.UserID:
		return true
	}
	return false
}

// authorize passes the casefile's access check (audited there) for reading
// the case and works out the caller's standing. Errors: unauthenticated;
// the casefile's not_found / forbidden.
func (s *Service) authorize(ctx context.Context, caseID string) (standing, error) {
	system := isSystem(ctx)
	var p auth.Principal
	if !system {
		var err error
		if p, err = auth.Require(ctx); err != nil {
			return standing{}, err
		}
	}
	c, err := s.deps.Cases.Authorize(ctx, caseID, casefile.NeedRead)
	if err != nil {
		return standing{}, err
	}
	return standing{c: c, writer: system || canWrite(p, c), userID: p.UserID}, nil
}

func (st standing) requireWriter() error {
	if !st.writer {
		return errs.New(errs.Forbidden, "transcript.error.not_writer")
	}
	return nil
}

// fieldErr is a field error with the transcript's message key.
func fieldErr(field, code string, args ...any) errs.FieldError {
	return errs.FieldError{Field: field, Code: code, Key: "transcript.field." + code, Args: args}
}

// checkText validates a free-text field: required or not, at most max
// characters, valid UTF-8.
func checkText(c *errs.Collector, field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.AddField(fieldErr(field, "required"))
	case !utf8.ValidString(v):
		c.AddField(fieldErr(field, "invalid_text"))
	case utf8.RuneCountInString(v) > max:
		c.AddField(fieldErr(field, "too_long", max))
	}
}

// transition checks a state change against the table.
func transition(from, to State) error {
	if !slices.Contains(transitions[from], to) {
		return errs.New(errs.Conflict, "transcript.error.state_"+string(from))
	}
	return nil
}

// requireState refuses a change unless the record is in state want.
func requireState(r Record, want State) error {
	if r.State != want {
		return errs.New(errs.Conflict, "transcript.error.state_"+string(r.State))
	}
	return nil
}

// actorOf is the audit actor of ctx.
func actorOf(ctx context.Context) string { return audit.ActorFrom(ctx).UserID }
