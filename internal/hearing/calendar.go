package hearing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/auth"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateCalendarToken creates (or rotates) the signed-in account's secret
// calendar token and returns it; only its SHA-256 is stored, so it is shown
// once. The feed is GET /calendar/{token}.ics; an earlier token stops
// working.
func (s *Service) CreateCalendarToken(ctx context.Context) (string, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return "", err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := saveCalendarToken(ctx, tx, p.UserID, hashToken(tok)); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "hearing.calendar.token", Target: p.UserID})
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// Calendar returns the iCalendar feed (RFC 5545) of the account holding
// token: every hearing in which it takes part (bench, clerk, party,
// representative, witness), cancelled ones with STATUS:CANCELLED. An
// unknown token is errs.NotFound.
func (s *Service) Calendar(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", errs.New(errs.NotFound, "hearing.error.not_found")
	}
	acc, err := accountOfToken(ctx, s.db, hashToken(token))
	if errs.CodeOf(err) == errs.NotFound {
		return "", errs.New(errs.NotFound, "hearing.error.not_found")
	}
	if err != nil {
		return "", err
	}
	hs, err := listHearings(ctx, s.db, `id IN (SELECT hearing_id FROM hearing_participant WHERE account_id = ?)`, acc)
	if err != nil {
		return "", err
	}
	return ICalendar(hs, s.clock().Now()), nil
}

// ICalendar renders hearings as a VCALENDAR (RFC 5545): CRLF line ends,
// lines folded at 75 octets without splitting a UTF-8 character, times in
// UTC. stamp is the DTSTAMP.
func ICalendar(hs []Hearing, stamp time.Time) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//ecourt//hearing//ZH")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	for _, h := range hs {
		b.WriteString(VEvent(h, stamp))
	}
	line("END:VCALENDAR")
	return b.String()
}

const icsTime = "20060102T150405Z"

// VEvent renders one hearing as a VEVENT.
func VEvent(h Hearing, stamp time.Time) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	loc := h.Courtroom
	if h.Mode == Online {
		loc = "在线庭审"
	} else if h.Mode == Mixed {
		loc += " / 在线庭审"
	}
	line("BEGIN:VEVENT")
	line("UID:" + h.ID + "@hearing.ecourt")
	line("DTSTAMP:" + stamp.UTC().Format(icsTime))
	line("DTSTART:" + h.StartsAt.UTC().Format(icsTime))
	line("DTEND:" + h.EndsAt.UTC().Format(icsTime))
	line("SEQUENCE:" + itoa(h.Seq))
	line("SUMMARY:" + icsText(h.CaseNumber+" 开庭"))
	line("LOCATION:" + icsText(loc))
	if h.Status == Cancelled {
		line("STATUS:CANCELLED")
	} else {
		line("STATUS:CONFIRMED")
	}
	line("END:VEVENT")
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var d []byte
	for n > 0 {
		d = append([]byte{byte('0' + n%10)}, d...)
		n /= 10
	}
	if neg {
		d = append([]byte{'-'}, d...)
	}
	return string(d)
}

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`)
	return r.Replace(s)
}

// fold folds a content line at 75 octets (RFC 5545 §3.1), never inside a
// UTF-8 sequence, and ends it with CRLF.
func fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
