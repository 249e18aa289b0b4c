package render

import (
	"strconv"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Claim is one party's claims (诉讼请求) with the facts and reasons it
// gives, as a judgment or mediation statement recites them.
type Claim struct {
	By    string   `json:"by"`    // 原告张三
	Items []string `json:"items"` // the claims, in order
	Facts []string `json:"facts"` // 事实和理由, paragraphs
}

// Statement is what a party said in answer: 被告李四辩称，…
type Statement struct {
	By   string   `json:"by"`
	Verb string   `json:"verb,omitempty"` // 辩称 (default), 述称 for a third party
	Text []string `json:"text"`           // paragraphs
}

// FeeAllocation is one fee of the case and who bears it (诉讼费用交纳办法
// Art. 29–38). The shares must add up to the fee charged.
type FeeAllocation struct {
	Name   string    `json:"name"`   // 案件受理费, 保全费 …
	Amount money.Fen `json:"amount"` // as computed by the schedule
	// Charged is the amount actually charged when it differs (halved in the
	// simplified procedure or on mediation, 诉讼费用交纳办法 Art. 15–16,
	// printed 减半收取 when it is Amount/2 rounded to the fen); 0 means Amount.
	Charged money.Fen `json:"charged,omitempty"`
	Shares  []Share   `json:"shares"`
}

// Share is the part of a fee one party bears.
type Share struct {
	Party  string    `json:"party"` // 原告张三
	Amount money.Fen `json:"amount"`
}

// charged returns the amount the shares must cover.
func (f FeeAllocation) charged() money.Fen {
	if f.Charged != 0 {
		return f.Charged
	}
	return f.Amount
}

// text writes the allocation as judgments do: 案件受理费11,800元，减半收取计
// 5,900元，由原告张三负担1,000元，被告李四负担4,900元。
func (f FeeAllocation) text() string {
	s := strings.TrimSpace(f.Name) + yuan(f.Amount) + "元"
	if f.Charged != 0 && f.Charged != f.Amount {
		if f.Charged == money.MulRate(f.Amount, 1, 2) {
			s += "，减半收取计" + yuan(f.Charged) + "元"
		} else {
			s += "，实际收取" + yuan(f.Charged) + "元"
		}
	}
	if len(f.Shares) == 1 {
		return s + "，由" + strings.TrimSpace(f.Shares[0].Party) + "负担。"
	}
	var parts []string
	for _, sh := range f.Shares {
		parts = append(parts, strings.TrimSpace(sh.Party)+"负担"+yuan(sh.Amount)+"元")
	}
	return s + "，由" + strings.Join(parts, "，") + "。"
}

func (b *builder) fees(fs []FeeAllocation) {
	for i, f := range fs {
		field := "body.fees[" + strconv.Itoa(i) + "]"
		b.required(field+".name", f.Name)
		if len(f.Shares) == 0 {
			b.c.Add(field+".shares", "required")
			continue
		}
		var sum money.Fen
		for _, sh := range f.Shares {
			sum += sh.Amount
		}
		if len(f.Shares) > 1 && sum != f.charged() {
			b.c.AddField(errs.FieldError{Field: field + ".shares", Code: "mismatch", Key: "render.error.fee_shares",
				Args: []any{yuan(sum), yuan(f.charged())}})
		}
		b.para(f.text())
	}
}

// claims recites the claims: 原告张三向本院提出诉讼请求：1.…；2.…。事实和理由：…
func (b *builder) claims(cs []Claim) {
	for _, c := range cs {
		items := arabicNumbered(c.Items)
		b.para(strings.TrimSpace(c.By) + "向本院提出诉讼请求：" + strings.Join(items, ""))
		for i, f := range c.Facts {
			if i == 0 {
				f = "事实和理由：" + strings.TrimSpace(f)
			}
			b.para(f)
		}
	}
}

func (b *builder) statements(ss []Statement) {
	for _, s := range ss {
		verb := s.Verb
		if verb == "" {
			verb = "辩称"
		}
		for i, t := range s.Text {
			if i == 0 {
				t = strings.TrimSpace(s.By) + verb + "，" + strings.TrimSpace(t)
			}
			b.para(t)
		}
	}
}

// prefixed adds ps as paragraphs, the first one starting with lead.
func (b *builder) prefixed(lead string, ps []string) {
	for i, p := range ps {
		if i == 0 && !strings.HasPrefix(strings.TrimSpace(p), lead) {
			p = lead + strings.TrimSpace(p)
		}
		b.para(p)
	}
}

// decision adds "…依照…之规定，判决如下：" and the numbered items.
func (b *builder) decision(basis, verb string, items []string) {
	basis = strings.TrimRight(strings.TrimSpace(basis), "，,：:。")
	if basis != "" {
		b.para(basis + "，" + verb + "如下：")
	} else {
		b.para(verb + "如下：")
	}
	if len(items) == 0 {
		b.c.Add("body.decision", "required")
	}
	for _, it := range numbered(items) {
		b.add(bkPara, it)
	}
}

// Appeal is the appeal notice at the end of a judgment or ruling.
type Appeal struct {
	// Days is the appeal period: 15 for a judgment, 10 for a ruling (CPL
	// Art. 171), 30 for a party without domicile in the PRC (Art. 286); 0
	// means the kind's default.
	Days int `json:"days,omitempty"`
	// Court is the court of appeal, e.g. 浙江省宁波市中级人民法院.
	Court string `json:"court,omitempty"`
	// Final marks a decision that cannot be appealed (small claims, CPL
	// Art. 165; second instance, Art. 182): 本判决为终审判决。
	Final bool `json:"final,omitempty"`
}

// appealText writes the appeal notice for a 判决 or 裁定.
func (b *builder) appeal(a Appeal, what string, defaultDays int) {
	if a.Final {
		b.para("本" + what + "为终审" + what + "。")
		return
	}
	d := a.Days
	if d == 0 {
		d = defaultDays
	}
	b.required("body.appeal.court", a.Court)
	b.para("如不服本" + what + "，可以在" + what + "书送达之日起" + days(d) +
		"内，向本院递交上诉状，并按照对方当事人或者代表人的人数提出副本，上诉于" + strings.TrimSpace(a.Court) + "。")
}

// Judgment is a first-instance 民事判决书 in the layout of the 2016
// 人民法院民事裁判文书制作规范 and 民事诉讼文书样式: parties, procedural
// history, claims, defences, evidence, facts found, reasoning, the legal
// basis and decision, costs, the appeal notice, the panel, the date, 本件与
// 原本核对无异 and the clerk.
type Judgment struct {
	Parties []Party `json:"parties"`
	Cause   string  `json:"cause"`
	// History is the procedural history (审理经过): 原告…与被告…纠纷一案，本院
	// 于…立案后，依法适用普通程序，公开开庭进行了审理。…本案现已审理终结。
	History  []string    `json:"history"`
	Claims   []Claim     `json:"claims"`
	Defences []Statement `json:"defences,omitempty"`
	// Evidence is the account of evidence and its assessment, optional.
	Evidence   []string `json:"evidence,omitempty"`
	FactsFound []string `json:"facts_found"` // printed after 本院认定事实如下：
	Reasoning  []string `json:"reasoning"`   // printed after 本院认为，
	// LegalBasis is the sentence citing the law, without 判决如下：, e.g.
	// 依照《中华人民共和国民法典》第六百七十五条、第六百七十六条规定.
	LegalBasis string   `json:"legal_basis"`
	Decision   []string `json:"decision"` // numbered 一、二、 when more than one
	// MoneyJudgment adds the notice of CPL Art. 264 (delay interest), which
	// every judgment ordering a payment carries.
	MoneyJudgment bool            `json:"money_judgment,omitempty"`
	Fees          []FeeAllocation `json:"fees"`
	Appeal        Appeal          `json:"appeal"`
	Panel         []Signer        `json:"panel"`  // 审判长, 审判员, 人民陪审员
	Clerks        []Signer        `json:"clerks"` // 法官助理, 书记员
}

// Kind implements Body.
func (*Judgment) Kind() Kind { return KindJudgment }

func (j *Judgment) build(b *builder) {
	b.required("body.cause", j.Cause)
	b.heading()
	b.parties(j.Parties, false)
	if len(j.History) == 0 {
		b.c.Add("body.history", "required")
	}
	b.paras(j.History)
	b.claims(j.Claims)
	b.statements(j.Defences)
	b.paras(j.Evidence)
	b.prefixed("本院认定事实如下：", j.FactsFound)
	if len(j.Reasoning) == 0 {
		b.c.Add("body.reasoning", "required")
	}
	b.prefixed("本院认为，", j.Reasoning)
	b.decision(j.LegalBasis, "判决", j.Decision)
	if j.MoneyJudgment {
		// CPL Art. 264.
		b.para("如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百六十四条规定，加倍支付迟延履行期间的债务利息。")
	}
	b.fees(j.Fees)
	b.appeal(j.Appeal, "判决", 15)
	b.adjudicationSign(j.Panel, j.Clerks)
}

// adjudicationSign is the 落款 of a judgment, ruling or mediation statement.
func (b *builder) adjudicationSign(panel, clerks []Signer) {
	if len(panel) == 0 {
		b.c.Add("body.panel", "required")
	}
	if len(clerks) == 0 {
		b.c.Add("body.clerks", "required")
	}
	b.sign(signBlock{
		signers: signers(panel),
		date:    cnDate(b.doc.IssuedOn),
		note:    "本件与原本核对无异",
		after:   signers(clerks),
	})
}

// Ruling is a 民事裁定书 (CPL Art. 157): parties, history, the claims or
// application, facts, reasoning, 裁定如下, costs, the appeal notice where
// the ruling can be appealed (不予受理, 管辖权异议, 驳回起诉: 10 days, CPL
// Art. 171), or its immediate effect, and the 落款.
type Ruling struct {
	Parties    []Party         `json:"parties"`
	Cause      string          `json:"cause"`
	History    []string        `json:"history"`
	Claims     []Claim         `json:"claims,omitempty"`
	Facts      []string        `json:"facts,omitempty"` // facts found, printed as given
	Reasoning  []string        `json:"reasoning"`       // printed after 本院认为，
	LegalBasis string          `json:"legal_basis"`
	Decision   []string        `json:"decision"`
	Fees       []FeeAllocation `json:"fees,omitempty"`
	// Appealable adds the appeal notice (Appeal.Days default 10).
	Appealable bool   `json:"appealable,omitempty"`
	Appeal     Appeal `json:"appeal"`
	// Effect is printed when the ruling cannot be appealed, e.g.
	// 本裁定一经作出即发生法律效力。 or 本裁定立即开始执行。
	Effect string   `json:"effect,omitempty"`
	Panel  []Signer `json:"panel"`
	Clerks []Signer `json:"clerks"`
}

// Kind implements Body.
func (*Ruling) Kind() Kind { return KindRuling }

func (r *Ruling) build(b *builder) {
	b.required("body.cause", r.Cause)
	b.heading()
	b.parties(r.Parties, false)
	if len(r.History) == 0 {
		b.c.Add("body.history", "required")
	}
	b.paras(r.History)
	b.claims(r.Claims)
	b.paras(r.Facts)
	if len(r.Reasoning) == 0 {
		b.c.Add("body.reasoning", "required")
	}
	b.prefixed("本院认为，", r.Reasoning)
	b.decision(r.LegalBasis, "裁定", r.Decision)
	b.fees(r.Fees)
	switch {
	case r.Appealable:
		b.appeal(r.Appeal, "裁定", 10)
	case !blank(r.Effect):
		b.para(r.Effect)
	}
	b.adjudicationSign(r.Panel, r.Clerks)
}

// Mediation is a 民事调解书 (CPL Art. 100: it states the claims, the facts
// of the case and the result of mediation, and takes effect when every
// party has signed for it).
type Mediation struct {
	Parties []Party  `json:"parties"`
	Cause   string   `json:"cause"`
	History []string `json:"history"`
	Claims  []Claim  `json:"claims"`
	// Facts are the facts of the case (案件的事实), printed as given.
	Facts []string `json:"facts"`
	// Agreement is what the parties agreed, printed after 本案审理过程中，经
	// 本院主持调解，当事人自愿达成如下协议：
	Agreement []string        `json:"agreement"`
	Fees      []FeeAllocation `json:"fees,omitempty"`
	Panel     []Signer        `json:"panel"`
	Clerks    []Signer        `json:"clerks"`
}

// Kind implements Body.
func (*Mediation) Kind() Kind { return KindMediation }

func (m *Mediation) build(b *builder) {
	b.required("body.cause", m.Cause)
	b.heading()
	b.parties(m.Parties, false)
	b.paras(m.History)
	if len(m.Claims) == 0 {
		b.c.Add("body.claims", "required")
	}
	b.claims(m.Claims)
	b.paras(m.Facts)
	if len(m.Agreement) == 0 {
		b.c.Add("body.agreement", "required")
	}
	b.para("本案审理过程中，经本院主持调解，当事人自愿达成如下协议：")
	for _, it := range numbered(m.Agreement) {
		b.add(bkPara, it)
	}
	b.fees(m.Fees)
	b.para("上述协议，不违反法律规定，本院予以确认。")
	// CPL Art. 100(3).
	b.para("本调解书经各方当事人签收后，即具有法律效力。")
	b.adjudicationSign(m.Panel, m.Clerks)
}
