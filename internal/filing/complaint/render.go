package complaint

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/i18n"
)

// partyLines returns the particulars of one party as CPL Art. 124(一)(二)
// asks, in the standard wording: the party's own line, then its legal
// representative's and its agent's.
func partyLines(p Party) (main string, reps []string) {
	role := zhT("complaint.doc." + p.Role)
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	add(p.Name)
	if p.Kind == KindOrganisation {
		if p.Address != "" {
			add(zhT("complaint.doc.seat") + "：" + strings.TrimSpace(p.Address))
		}
	} else {
		if p.Sex == "M" || p.Sex == "F" {
			add(zhT("complaint.doc.sex." + p.Sex))
		}
		if !p.BirthDate.IsZero() {
			add(zhT("complaint.doc.born", cnDate(p.BirthDate)))
		}
		add(p.Ethnicity)
		add(p.Occupation)
		if p.Employer != "" {
			add(zhT("complaint.doc.employer") + "：" + strings.TrimSpace(p.Employer))
		}
		if p.Address != "" {
			add(zhT("complaint.doc.domicile") + strings.TrimSpace(p.Address))
		}
	}
	if id := strings.TrimSpace(p.IDNumber); id != "" {
		add(zhT("complaint.doc.id."+p.idType()) + "：" + id)
	}
	if ph := strings.TrimSpace(p.Phone); ph != "" {
		add(zhT("complaint.doc.phone") + "：" + ph)
	}
	main = role + "：" + strings.Join(parts, "，") + "。"
	if rep := strings.TrimSpace(p.LegalRep); rep != "" {
		key := "complaint.doc.legal_rep"
		if p.Kind == KindPerson {
			key = "complaint.doc.guardian"
		}
		line := zhT(key) + "：" + rep
		if t := strings.TrimSpace(p.LegalRepTitle); t != "" {
			line += "，" + t
		}
		reps = append(reps, line+"。")
	}
	if ag := strings.TrimSpace(p.Agent); ag != "" {
		line := zhT("complaint.doc.agent") + "：" + ag
		if f := strings.TrimSpace(p.AgentFirm + p.AgentTitle); f != "" {
			line += "，" + f
		}
		reps = append(reps, line+"。")
	}
	return main, reps
}

// orderedParties returns plaintiffs, then defendants, then third parties,
// each in the order given.
func orderedParties(ps []Party) []Party {
	var out []Party
	for _, role := range []string{RolePlaintiff, RoleDefendant, RoleThirdParty} {
		for _, p := range ps {
			if p.Role == role {
				out = append(out, p)
			}
		}
	}
	return out
}

// signers returns the 具状人 line's names: the plaintiffs, an organisation
// followed by （盖章）.
func signers(ps []Party) string {
	var n []string
	for _, p := range ps {
		if p.Role != RolePlaintiff {
			continue
		}
		name := strings.TrimSpace(p.Name)
		if p.Kind == KindOrganisation {
			name += zhT("complaint.doc.seal")
		}
		n = append(n, name)
	}
	return strings.Join(n, "、")
}

func courtName(c Complaint) string {
	if s := strings.TrimSpace(c.CourtName); s != "" {
		return s
	}
	return zhT("complaint.doc.court_blank")
}

// copies is the number of copies of the complaint to hand in: one per
// defendant (CPL Art. 123).
func copies(c Complaint) int { return count(c.Parties, RoleDefendant) }

// claimTexts returns the claims numbered, each closed by "；" and the last
// by "。".
func claimTexts(c Complaint) []string {
	out := make([]string, len(c.Claims))
	for i, cl := range c.Claims {
		end := "；"
		if i == len(c.Claims)-1 {
			end = "。"
		}
		out[i] = strings.TrimRight(cl.Text, "；;。.") + end
	}
	return out
}

func evidenceLine(e EvidenceItem) string {
	s := e.Name
	if e.Source != "" {
		s += "，" + zhT("complaint.doc.col.source") + "：" + e.Source
	}
	if e.Purpose != "" {
		s += "，" + zhT("complaint.doc.col.purpose") + "：" + strings.TrimRight(e.Purpose, "。")
	}
	return s + "。"
}

// RenderText renders the complaint as plain text in the standard layout of a
// 民事起诉状 (CPL Art. 124): title, parties with their particulars, numbered
// claims, facts and reasons, "此致 / court", signature, date, and the
// attachments (copies per CPL Art. 123 and the evidence list). Lines are
// separated by "\n"; paragraphs of the facts start with two ideographic
// spaces. The documents issue typesets this text into the sealed PDF of the
// complaint, so its wording is the document's wording; it is always Chinese.
func RenderText(c Complaint) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	line(zhT("complaint.doc.title"))
	line("")
	for _, p := range orderedParties(c.Parties) {
		main, reps := partyLines(p)
		line(main)
		for _, r := range reps {
			line(r)
		}
	}
	line("")
	line(zhT("complaint.doc.claims") + "：")
	for i, t := range claimTexts(c) {
		line(strconv.Itoa(i+1) + "." + t)
	}
	line("")
	line(zhT("complaint.doc.facts") + "：")
	for _, p := range paragraphs(c.FactsAndReasons) {
		line("\u3000\u3000" + p)
	}
	line("")
	line(zhT("complaint.doc.salutation"))
	line(courtName(c))
	line("")
	line(zhT("complaint.doc.signature") + "：" + signers(c.Parties))
	line(cnDate(c.Date))
	line("")
	line(zhT("complaint.doc.attachments") + "：")
	line("1." + zhT("complaint.doc.copies", copies(c)) + "；")
	line("2." + zhT("complaint.doc.evidence_list", len(c.Evidence)) + "：")
	for i, e := range c.Evidence {
		line("（" + strconv.Itoa(i+1) + "）" + evidenceLine(e))
	}
	return b.String()
}

type glossed struct {
	ZH, EN string // EN empty unless the preview language is English
}

type htmlParty struct {
	Role  string
	Main  string
	Lines []string
}

type htmlView struct {
	Title, Claims, Facts, Attachments, Salutation, Signature glossed
	Parties                                                  []htmlParty
	ClaimTexts                                               []string
	FactParas                                                []string
	Court, Signers, DateISO, DateZH, CopiesLine, EvidenceHdr string
	Evidence                                                 []string
}

var complaintHTML = template.Must(template.New("complaint").Parse(`{{define "gloss"}}{{.ZH}}{{if .EN}} <span class="complaint-gloss" lang="en">{{.EN}}</span>{{end}}{{end}}` +
	`<article class="complaint" lang="zh-CN">
<h1 class="complaint-title">{{template "gloss" .Title}}</h1>
<section class="complaint-parties">
{{range .Parties}}<div class="complaint-party complaint-party-{{.Role}}">
<p class="complaint-party-main">{{.Main}}</p>
{{range .Lines}}<p class="complaint-party-rep">{{.}}</p>
{{end}}</div>
{{end}}</section>
<section class="complaint-claims">
<h2 class="complaint-heading">{{template "gloss" .Claims}}</h2>
<ol class="complaint-claim-list">
{{range .ClaimTexts}}<li class="complaint-claim">{{.}}</li>
{{end}}</ol>
</section>
<section class="complaint-facts">
<h2 class="complaint-heading">{{template "gloss" .Facts}}</h2>
{{range .FactParas}}<p class="complaint-paragraph">{{.}}</p>
{{end}}</section>
<footer class="complaint-closing">
<p class="complaint-salutation">{{template "gloss" .Salutation}}</p>
<p class="complaint-court">{{.Court}}</p>
<p class="complaint-signature">{{.Signature.ZH}}：{{.Signers}}{{if .Signature.EN}} <span class="complaint-gloss" lang="en">{{.Signature.EN}}</span>{{end}}</p>
<p class="complaint-date"><time datetime="{{.DateISO}}">{{.DateZH}}</time></p>
</footer>
<section class="complaint-attachments">
<h2 class="complaint-heading">{{template "gloss" .Attachments}}</h2>
<ol class="complaint-attachment-list">
<li>{{.CopiesLine}}</li>
<li>{{.EvidenceHdr}}{{if .Evidence}}
<ol class="complaint-evidence-list">
{{range .Evidence}}<li>{{.}}</li>
{{end}}</ol>{{end}}
</li>
</ol>
</section>
</article>
`))

func gloss(key string, lang i18n.Lang) glossed {
	g := glossed{ZH: zhT(key)}
	if lang == i18n.EN {
		g.EN = catalog().cat.T(i18n.EN, key)
	}
	return g
}

// previewLang maps the caller's language to the gloss language; anything
// but English shows no gloss.
func previewLang(lang string) i18n.Lang {
	if l, ok := i18n.Parse(lang); ok {
		return l
	}
	return i18n.ZH
}

// RenderHTML renders the complaint as an HTML fragment for the preview page:
// the same Chinese text as RenderText in semantic markup (article, sections,
// ordered lists, time) with "complaint-…" CSS classes and no inline style,
// so it works under a strict Content-Security-Policy. When lang is English
// each heading carries an English gloss (span.complaint-gloss, lang="en");
// the document text stays Chinese. All text is escaped.
func RenderHTML(c Complaint, lang string) (template.HTML, error) {
	l := previewLang(lang)
	v := htmlView{
		Title: gloss("complaint.doc.title", l), Claims: gloss("complaint.doc.claims", l),
		Facts: gloss("complaint.doc.facts", l), Attachments: gloss("complaint.doc.attachments", l),
		Salutation: gloss("complaint.doc.salutation", l), Signature: gloss("complaint.doc.signature", l),
		ClaimTexts: claimTexts(c), FactParas: paragraphs(c.FactsAndReasons),
		Court: courtName(c), Signers: signers(c.Parties), DateZH: cnDate(c.Date),
		CopiesLine:  zhT("complaint.doc.copies", copies(c)),
		EvidenceHdr: zhT("complaint.doc.evidence_list", len(c.Evidence)),
	}
	if !c.Date.IsZero() {
		v.DateISO = dateOf(c.Date).Format(dateLayout)
	}
	for _, p := range orderedParties(c.Parties) {
		main, reps := partyLines(p)
		v.Parties = append(v.Parties, htmlParty{Role: strings.ReplaceAll(p.Role, "_", "-"), Main: main, Lines: reps})
	}
	for _, e := range c.Evidence {
		v.Evidence = append(v.Evidence, evidenceLine(e))
	}
	var b strings.Builder
	if err := complaintHTML.Execute(&b, v); err != nil {
		return "", fmt.Errorf("complaint: render: %w", err)
	}
	return template.HTML(b.String()), nil
}

type catalogueRow struct {
	No                    int
	Name, Source, Purpose string
	Pages                 string
	Hash                  string
}

var catalogueHTML = template.Must(template.New("catalogue").Parse(`{{define "gloss"}}{{.ZH}}{{if .EN}} <span class="complaint-gloss" lang="en">{{.EN}}</span>{{end}}{{end}}` +
	`<table class="evidence-catalogue" lang="zh-CN">
<caption>{{template "gloss" .Caption}}</caption>
<thead>
<tr>{{range .Cols}}<th scope="col">{{template "gloss" .}}</th>{{end}}</tr>
</thead>
<tbody>
{{range .Rows}}<tr>
<td class="evidence-no">{{.No}}</td>
<td class="evidence-name">{{.Name}}</td>
<td class="evidence-source">{{.Source}}</td>
<td class="evidence-purpose">{{.Purpose}}</td>
<td class="evidence-file">{{if .Pages}}<span class="evidence-pages">{{.Pages}}</span>{{end}}{{if .Hash}} <code class="evidence-hash">{{.Hash}}</code>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
`))

// EvidenceCatalogue renders the evidence catalogue (证据目录) of the complaint
// as an HTML table fragment: 序号, 证据名称, 来源, 证明目的, and 页数/文件
// hash (the page count when known and the file's full SHA-256, so that the
// court can match each entry to its file). Glosses and classes as RenderHTML.
func EvidenceCatalogue(c Complaint, lang string) (template.HTML, error) {
	l := previewLang(lang)
	v := struct {
		Caption glossed
		Cols    []glossed
		Rows    []catalogueRow
	}{Caption: gloss("complaint.doc.catalogue", l)}
	for _, k := range []string{"no", "name", "source", "purpose", "file"} {
		v.Cols = append(v.Cols, gloss("complaint.doc.col."+k, l))
	}
	for i, e := range c.Evidence {
		r := catalogueRow{No: i + 1, Name: e.Name, Source: e.Source, Purpose: e.Purpose, Hash: strings.ToLower(e.BlobSHA256)}
		if e.Pages > 0 {
			r.Pages = zhT("complaint.doc.pages", e.Pages)
		}
		v.Rows = append(v.Rows, r)
	}
	var b strings.Builder
	if err := catalogueHTML.Execute(&b, v); err != nil {
		return "", fmt.Errorf("complaint: render catalogue: %w", err)
	}
	return template.HTML(b.String()), nil
}
