package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/money"
)

// EnforcementNotice is the 执行通知书 sent to the person subject to
// enforcement (CPL Art. 251, 252, 264; 民诉法解释 Art. 480: sent within ten
// days of the application, ordering the duties of the enforcement title and
// the delay interest or penalty).
type EnforcementNotice struct {
	Recipient Addressee `json:"recipient"` // 被执行人
	Applicant string    `json:"applicant"` // 申请执行人
	Cause     string    `json:"cause"`
	// The enforcement title (执行依据): who made it, its number and kind,
	// e.g. 本院, （2026）浙0225民初1号, 民事判决书.
	TitleCourt  string    `json:"title_court,omitempty"` // "" means 本院
	TitleNumber string    `json:"title_number"`
	TitleKind   string    `json:"title_kind"`
	AppliedOn   time.Time `json:"applied_on"`
	AcceptedOn  time.Time `json:"accepted_on"` // 立案执行
	// Duties are the obligations the title imposes, in order.
	Duties []string `json:"duties"`
	// MoneyDuty adds the doubled delay interest of CPL Art. 264 (else the
	// delay penalty, 迟延履行金, for other duties).
	MoneyDuty bool `json:"money_duty"`
	// ExecFee is the enforcement application fee (诉讼费用交纳办法 Art. 14(一)),
	// borne by the person subject to enforcement (Art. 38).
	ExecFee money.Fen `json:"exec_fee,omitempty"`
	Contact Contact   `json:"contact"`
	Extra   []string  `json:"extra,omitempty"`
}

// Kind implements Body.
func (*EnforcementNotice) Kind() Kind { return KindEnforcementNotice }

func (n *EnforcementNotice) build(b *builder) {
	b.required("body.applicant", n.Applicant)
	b.required("body.cause", n.Cause)
	b.required("body.title_number", n.TitleNumber)
	b.required("body.title_kind", n.TitleKind)
	if n.AppliedOn.IsZero() {
		b.c.Add("body.applied_on", "required")
	}
	if n.AcceptedOn.IsZero() {
		b.c.Add("body.accepted_on", "required")
	}
	if len(n.Duties) == 0 {
		b.c.Add("body.duties", "required")
	}
	you := n.Recipient.you()
	court := strings.TrimSpace(n.TitleCourt)
	if court == "" {
		court = "本院"
	}
	b.heading()
	b.salutation(n.Recipient)
	b.para("申请执行人" + strings.TrimSpace(n.Applicant) + "与" + you + strings.TrimSpace(n.Cause) + "一案，" + court + "作出的" +
		strings.TrimSpace(n.TitleNumber) + strings.TrimSpace(n.TitleKind) + "已经发生法律效力。申请执行人" + strings.TrimSpace(n.Applicant) +
		"于" + arDate(n.AppliedOn) + "向本院申请强制执行，本院于" + arDate(n.AcceptedOn) +
		"依法立案执行。依照《中华人民共和国民事诉讼法》第二百五十一条、第二百五十二条、第二百六十四条和《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第四百八十条的规定，责令" +
		you + "立即履行下列义务：")
	duties := append([]string(nil), n.Duties...)
	if n.MoneyDuty {
		duties = append(duties, "加倍支付迟延履行期间的债务利息")
	} else {
		duties = append(duties, "支付迟延履行金")
	}
	if n.ExecFee > 0 {
		duties = append(duties, "负担申请执行费"+yuan(n.ExecFee)+"元")
	}
	b.items(duties, nil)
	// CPL Art. 252.
	b.para(you + "未按本通知履行法律文书确定的义务的，应当如实向本院报告当前以及收到本通知之日前一年的财产情况；拒绝报告或者虚假报告的，本院将根据情节轻重予以罚款、拘留。逾期不履行的，本院将依法强制执行。")
	for _, e := range n.Extra {
		b.para(e)
	}
	b.para("特此通知。")
	b.contact(n.Contact)
	b.noticeSign()
}

// EvidenceItem is one entry of a complaint's evidence list.
type EvidenceItem struct {
	Name    string `json:"name"`
	Source  string `json:"source,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	Pages   int    `json:"pages,omitempty"`
}

// Complaint is a 民事起诉状 (CPL Art. 124) in the standard layout: title,
// parties with their particulars including identity numbers and phones,
// numbered claims, facts and reasons, 此致 and the court (Document.
// CourtName), the signature, the date, and the attachments (copies for the
// defendants, CPL Art. 123, and the evidence list). A complaint is the
// party's document: it has no court heading and no case number, and is not
// sealed by the court.
type Complaint struct {
	Parties         []Party        `json:"parties"`
	Claims          []string       `json:"claims"`
	FactsAndReasons []string       `json:"facts_and_reasons"`
	Evidence        []EvidenceItem `json:"evidence,omitempty"`
	// Signers sign as 具状人; empty means the plaintiffs (an organisation
	// followed by （盖章）).
	Signers []string `json:"signers,omitempty"`
	// Copies is the number of copies handed in (CPL Art. 123: one per
	// defendant); 0 means the number of defendants.
	Copies int `json:"copies,omitempty"`
}

// Kind implements Body.
func (*Complaint) Kind() Kind { return KindComplaint }

func (c *Complaint) build(b *builder) {
	if len(c.Claims) == 0 {
		b.c.Add("body.claims", "required")
	}
	if len(c.FactsAndReasons) == 0 {
		b.c.Add("body.facts_and_reasons", "required")
	}
	b.add(bkTitle, b.doc.DisplayTitle())
	b.parties(c.Parties, true)
	b.add(bkHeading, "诉讼请求：")
	for _, it := range arabicNumbered(c.Claims) {
		b.add(bkPara, it)
	}
	b.add(bkHeading, "事实与理由：")
	b.paras(c.FactsAndReasons)
	b.add(bkPara, "此致")
	b.add(bkFlush, b.doc.CourtName)
	sign := strings.Join(c.Signers, "、")
	if sign == "" {
		var n []string
		for _, p := range c.Parties {
			if strings.HasPrefix(p.Role, "原告") {
				name := strings.TrimSpace(p.Name)
				if p.Organisation {
					name += "（盖章）"
				}
				n = append(n, name)
			}
		}
		sign = strings.Join(n, "、")
	}
	b.blocks = append(b.blocks, block{kind: bkSign, sign: &signBlock{
		signers: []signer{{role: "具状人", name: sign}},
		date:    arDate(b.doc.IssuedOn),
		sep:     "：",
	}})
	copies := c.Copies
	if copies == 0 {
		for _, p := range c.Parties {
			if strings.HasPrefix(p.Role, "被告") {
				copies++
			}
		}
	}
	b.add(bkFlush, "附：")
	att := []string{"本起诉状副本" + strconv.Itoa(copies) + "份"}
	if len(c.Evidence) > 0 {
		att = append(att, "证据清单一份（共"+strconv.Itoa(len(c.Evidence))+"项）")
	}
	for _, a := range arabicNumbered(att) {
		b.add(bkPara, a)
	}
	if len(c.Evidence) > 0 {
		t := &table{cols: []column{{width: 0.1, center: true}, {width: 0.3}, {width: 0.2}, {width: 0.3}, {width: 0.1, center: true}}, head: true}
		t.rows = append(t.rows, []string{"序号", "证据名称", "来源", "证明目的", "页数"})
		for i, e := range c.Evidence {
			pages := ""
			if e.Pages > 0 {
				pages = strconv.Itoa(e.Pages)
			}
			t.rows = append(t.rows, []string{strconv.Itoa(i + 1), e.Name, e.Source, e.Purpose, pages})
		}
		b.blocks = append(b.blocks, block{kind: bkTable, table: t})
	}
}
