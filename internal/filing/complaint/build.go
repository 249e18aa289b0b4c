package complaint

import (
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Complaint is a complaint (民事起诉状) built from a template and its answers.
// The filing package stores it, sets CourtName and Evidence, and renders it.
type Complaint struct {
	TemplateID      string
	TemplateVersion string
	Cause           string
	CauseCode       string
	TypeCode        string
	FeeKind         string
	Parties         []Party
	Claims          []Claim
	// ClaimTotalFen is the amount in dispute for the fee quote of FeeKind:
	// the sum of the claims' amounts. For divorce it is the value of the
	// property to divide (诉讼费用交纳办法 Art. 13(二)); 0 when none.
	ClaimTotalFen   int64
	FactsAndReasons string // paragraphs separated by "\n"
	Evidence        []EvidenceItem
	CourtName       string    // e.g. 杭州市西湖区人民法院; set by the filing package
	Date            time.Time // the China date of the complaint
}

// Claim is one 诉讼请求, in order. AmountFen is the money it asks for, 0 for a
// claim without an amount (costs, divorce, a running interest the filing
// date does not bound).
type Claim struct {
	Text      string
	AmountFen int64
}

// EvidenceItem is one entry of the evidence list (证据清单 / 证据目录).
type EvidenceItem struct {
	Name       string
	Source     string
	Purpose    string
	Pages      int    // 0 when unknown (audio, video)
	BlobSHA256 string // hex SHA-256 of the uploaded file, "" before upload
}

// Warning is advice for the user that does not block filing, e.g. an agreed
// interest rate above the legal cap. Key is its message key; Args fill it.
type Warning struct {
	Code  string
	Field string // the field it concerns, "" for the whole complaint
	Key   string
	Args  []any
}

func warn(code, field string, args ...any) Warning {
	return Warning{Code: code, Field: field, Key: "complaint.warning." + code, Args: args}
}

// Build validates the answers and the parties and assembles the complaint:
// the claims in order with their amounts, the total in dispute, the facts
// and reasons (generated from the answers, then the user's own paragraph
// "narrative", then the legal basis) and the parties. Every problem of the
// answers and the parties comes back at once as one errs.Invalid error.
// Warnings never block: the user sees them and may go on. now is the
// transaction's time; the complaint is dated on its China date and running
// interest is counted up to it. Evidence and CourtName are left for the
// filing package (see Template.SuggestedEvidence).
func (t Template) Build(ans Answers, parties []Party, now time.Time) (Complaint, []Warning, error) {
	var c errs.Collector
	t.validate(&c, ans, now)
	validateParties(&c, t, parties, now)
	if err := c.Err(); err != nil {
		return Complaint{}, nil, err
	}
	x := &calcCtx{t: t, data: t.values(ans), now: dateOf(now), parties: parties}
	x.data["today"] = x.now
	x.data["plaintiffs"] = names(parties, RolePlaintiff)
	x.data["defendants"] = names(parties, RoleDefendant)
	x.data["defendant_count"] = count(parties, RoleDefendant)
	for _, name := range t.calcs {
		calcs[name](x)
	}
	out := Complaint{
		TemplateID: t.ID, TemplateVersion: t.Version, Cause: t.Cause, CauseCode: t.CauseCode,
		TypeCode: t.TypeCode, FeeKind: t.FeeKind, Parties: append([]Party(nil), parties...), Date: x.now,
	}
	for i, cd := range t.claims {
		text, err := execute(cd.tmpl, x.data)
		if err != nil {
			return Complaint{}, nil, errs.Wrap(errs.Internal, "", fmt.Errorf("complaint: %s claim %d: %w", t.ID, i, err))
		}
		if text == "" {
			continue
		}
		// A claim is one item: the user's multi-line text inside it becomes clauses.
		text = strings.Join(paragraphs(text), "；")
		var amount money.Fen
		if cd.Amount != "" {
			amount, _ = x.data[cd.Amount].(money.Fen)
		}
		out.Claims = append(out.Claims, Claim{Text: text, AmountFen: int64(amount)})
		out.ClaimTotalFen += int64(amount)
	}
	facts, err := execute(t.facts, x.data)
	if err != nil {
		return Complaint{}, nil, errs.Wrap(errs.Internal, "", fmt.Errorf("complaint: %s facts: %w", t.ID, err))
	}
	paras := paragraphs(facts)
	paras = append(paras, paragraphs(ans.Get("narrative"))...)
	if t.basis != "" {
		paras = append(paras, zhT("complaint.doc.closing", t.basis))
	}
	out.FactsAndReasons = strings.Join(paras, "\n")
	return out, x.warnings, nil
}

func execute(tm *template.Template, data map[string]any) (string, error) {
	var b strings.Builder
	if err := tm.Execute(&b, data); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// paragraphs splits text into trimmed, non-empty lines.
func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// values parses validated answers into typed values for the text templates:
// money.Fen, Rate, time.Time, bool (yesno), int64 (number), string (text and
// choice values; a choice's Chinese wording is under "<name>_zh" and
// "<name>_is_<value>" is true).
func (t Template) values(ans Answers) map[string]any {
	data := map[string]any{}
	for _, f := range t.Fields() {
		v := ans.Get(f.Name)
		if v == "" {
			continue
		}
		switch f.Kind {
		case KindMoney:
			data[f.Name], _ = money.ParseYuan(v)
		case KindRate:
			data[f.Name], _ = ParseRate(v)
		case KindDate:
			data[f.Name], _ = ParseDate(v)
		case KindNumber:
			data[f.Name], _ = parseNumber(v)
		case KindYesNo:
			data[f.Name] = v == "yes"
		case KindChoice:
			data[f.Name] = v
			data[f.Name+"_is_"+v] = true
			for _, o := range f.Options {
				if o.Value == v {
					data[f.Name+"_zh"] = o.ZH
				}
			}
		default:
			data[f.Name] = v
		}
	}
	return data
}

func names(parties []Party, role string) string {
	var n []string
	for _, p := range parties {
		if p.Role == role {
			n = append(n, strings.TrimSpace(p.Name))
		}
	}
	return strings.Join(n, "、")
}

func count(parties []Party, role string) int {
	n := 0
	for _, p := range parties {
		if p.Role == role {
			n++
		}
	}
	return n
}

// textFuncs are the functions the templates' texts may call.
func textFuncs() template.FuncMap {
	return template.FuncMap{
		"yuan":    yuanText,
		"cndate":  cnDate,
		"nextday": func(t time.Time) time.Time { return t.AddDate(0, 0, 1) },
		"add":     func(a, b money.Fen) money.Fen { return a + b },
	}
}
