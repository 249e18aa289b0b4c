package document

import (
	"context"
	"crypto/rand"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// A verification code is 16 symbols of Crockford's base32 (no I, L, O or
// U, so nothing is read as a digit by mistake): 15 random symbols (75
// bits, unguessable even without the rate limit) and a Luhn mod 32 check
// symbol, which catches every single mistyped symbol and most swaps of two
// neighbours. It is printed in four groups: 7K3Q-9XTB-M2HD-4RWZ.
const (
	codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	codeRandom   = 15
	codeLen      = codeRandom + 1
)

// newCode returns a fresh random code, unformatted.
func newCode() (string, error) {
	b := make([]byte, codeRandom)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b) + string(codeAlphabet[checkSymbol(string(b))]), nil
}

// checkSymbol is the Luhn mod N check (N = 32) of s, whose symbols are all
// in codeAlphabet.
func checkSymbol(s string) int {
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		add := factor * strings.IndexByte(codeAlphabet, s[i])
		factor = 3 - factor
		sum += add/32 + add%32
	}
	return (32 - sum%32) % 32
}

// FormatCode prints a code in groups of four: 7K3Q-9XTB-M2HD-4RWZ.
func FormatCode(code string) string {
	if len(code) != codeLen {
		return code
	}
	return code[0:4] + "-" + code[4:8] + "-" + code[8:12] + "-" + code[12:16]
}

// ParseCode normalises a typed code: case, spaces and hyphens do not
// matter, and O is read as 0, I and L as 1 (Crockford). It returns the
// 16-symbol form. Errors: invalid with field "code" and code "format"
// (wrong length or a symbol that cannot occur) or "checksum" (a symbol is
// mistyped).
func ParseCode(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-', '\t', '\u3000', '－', '—':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || strings.IndexRune(codeAlphabet, r) < 0 {
			return "", codeError("format")
		}
		b.WriteRune(r)
	}
	c := b.String()
	if len(c) != codeLen {
		return "", codeError("format")
	}
	if checkSymbol(c[:codeRandom]) != strings.IndexByte(codeAlphabet, c[codeRandom]) {
		return "", codeError("checksum")
	}
	return c, nil
}

func codeError(code string) error {
	return errs.Fields(errs.FieldError{Field: "code", Code: code, Key: "document.field.code_" + code})
}

// ReserveCode hands out a new verification code for a document of the
// court that is about to be rendered, so that the code printed on the
// paper is the one the record will carry: render the PDF with the code
// (and VerifyPath(code) as its link or QR code), then pass the same code
// to Issue in IssueRequest.Code. A reserved code is used once; an unused
// one never verifies anything. It returns the code formatted in groups
// (FormatCode). ReserveCode checks no permission: it gives away nothing
// but a random number, and is not reachable over HTTP.
func (s *Service) ReserveCode(ctx context.Context, courtID string) (string, error) {
	if courtID == "" {
		return "", errs.Fields(errs.Field("court_id", "required"))
	}
	for {
		code, err := newCode()
		if err != nil {
			return "", err
		}
		err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
			return insertCode(ctx, tx, code, courtID, "", audit.ActorFrom(ctx).UserID)
		})
		if errs.CodeOf(err) == errs.Conflict {
			continue // 2^-75: a collision with an existing code
		}
		if err != nil {
			return "", err
		}
		return FormatCode(code), nil
	}
}

// VerifyPath is the public page that verifies the document with code:
// print it (after the site's address) on the document or in its QR code.
func VerifyPath(code string) string { return PagePath + "?code=" + FormatCode(code) }
