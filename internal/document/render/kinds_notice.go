package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Addressee is the person or organisation a notice is addressed to.
type Addressee struct {
	Name         string `json:"name"`
	Organisation bool   `json:"organisation,omitempty"`
}

// you is how the notice addresses its reader: 你, or 你单位 for an
// organisation.
func (a Addressee) you() string {
	if a.Organisation {
		return "你单位"
	}
	return "你"
}

func (b *builder) salutation(a Addressee) {
	b.required("body.recipient.name", a.Name)
	b.add(bkFlush, strings.TrimSpace(a.Name)+"：")
}

// items adds numbered items (一、二、…) as paragraphs, then the caller's
// extra ones continuing the numbering.
func (b *builder) items(std []string, extra []string) {
	all := append(append([]string(nil), std...), extra...)
	for _, it := range numbered(all) {
		b.add(bkPara, it)
	}
}

// caseLine is "原告×××诉被告×××…纠纷一案" as notices write it.
func caseLine(plaintiffs, defendants []string, cause string) string {
	s := names(plaintiffs)
	if d := names(defendants); d != "" {
		s += "诉" + d
	}
	return s + strings.TrimSpace(cause) + "一案"
}

// AcceptanceNotice is the 受理案件通知书 sent to the plaintiff when the
// case is registered (CPL Art. 126; Online Litigation Rules Art. 9(一)).
type AcceptanceNotice struct {
	Recipient  Addressee `json:"recipient"`
	Plaintiffs []string  `json:"plaintiffs"`
	Defendants []string  `json:"defendants"`
	Cause      string    `json:"cause"`    // 案由, e.g. 民间借贷纠纷
	FiledOn    time.Time `json:"filed_on"` // the day the complaint was received
	// AcceptedOn is the day the case was registered (立案); zero means the
	// document's date.
	AcceptedOn time.Time `json:"accepted_on,omitzero"`
	// Procedure is 普通程序, 简易程序 or 小额诉讼程序 once decided, else "".
	Procedure string   `json:"procedure,omitempty"`
	Contact   Contact  `json:"contact"`
	Extra     []string `json:"extra,omitempty"` // items after the standard ones
}

// Kind implements Body.
func (*AcceptanceNotice) Kind() Kind { return KindAcceptanceNotice }

func (n *AcceptanceNotice) build(b *builder) {
	b.required("body.cause", n.Cause)
	if len(n.Plaintiffs) == 0 {
		b.c.Add("body.plaintiffs", "required")
	}
	if n.FiledOn.IsZero() {
		b.c.Add("body.filed_on", "required")
	}
	accepted := n.AcceptedOn
	if accepted.IsZero() {
		accepted = b.doc.IssuedOn
	}
	you := n.Recipient.you()
	b.heading()
	b.salutation(n.Recipient)
	b.para(you + "于" + arDate(n.FiledOn) + "提交的起诉状已收到。经审查，" +
		caseLine(n.Plaintiffs, n.Defendants, n.Cause) + "符合法定受理条件，本院于" + arDate(accepted) +
		"决定立案审理。依照《中华人民共和国民事诉讼法》第一百二十六条的规定，现将有关事项通知如下：")
	var std []string
	if p := strings.TrimSpace(n.Procedure); p != "" {
		std = append(std, "本案适用"+p+"审理")
	}
	std = append(std,
		// 诉讼费用交纳办法 Art. 22; 民诉法解释 Art. 213.
		you+"应当自接到交纳诉讼费用通知次日起七日内预交案件受理费；期满既未预交又未申请缓交、减交、免交，或者申请未获批准仍不预交的，本院将裁定按撤诉处理",
		// CPL Art. 52.
		"当事人有权委托代理人，提出回避申请，收集、提供证据，进行辩论，请求调解，提起上诉，申请执行；当事人必须依法行使诉讼权利，遵守诉讼秩序，履行发生法律效力的判决书、裁定书和调解书",
		// CPL Art. 61, 62.
		you+"可以委托一至二人作为诉讼代理人；委托他人代为诉讼的，应当向本院提交由委托人签名或者盖章的授权委托书",
		// CPL Art. 90; 民诉法解释 Art. 136.
		you+"应当如实填写送达地址确认书；同意电子送达的，本院通过电子诉讼平台等电子方式送达诉讼文书，以送达信息到达"+you+"特定系统的日期为送达日期",
	)
	b.items(std, n.Extra)
	b.para("特此通知。")
	b.contact(n.Contact)
	b.noticeSign()
}

// FeeItem is one line of a fee notice: a fee of 诉讼费用交纳办法 Art. 6 and
// how it was computed.
type FeeItem struct {
	Name   string    `json:"name"`  // 案件受理费, 申请费, 保全费 …
	Basis  string    `json:"basis"` // e.g. 诉讼请求金额1,234,567.89元，按《诉讼费用交纳办法》第十三条第一项计算
	Amount money.Fen `json:"amount"`
}

// Payment says how to pay.
type Payment struct {
	// Online is how to pay on the platform, e.g. 登录电子诉讼平台，在本案“缴费”页面在线支付.
	Online string `json:"online,omitempty"`
	// Code is the payment code (缴费码) that identifies this bill.
	Code          string `json:"code,omitempty"`
	Bank          string `json:"bank,omitempty"` // 开户银行
	AccountName   string `json:"account_name,omitempty"`
	AccountNumber string `json:"account_number,omitempty"`
}

// FeeNotice is the 交纳诉讼费用通知书 (诉讼费用交纳办法 Art. 6, 13, 20, 22):
// the fees to prepay in a table with their total in 大写, the last day and
// how to pay.
type FeeNotice struct {
	Recipient  Addressee `json:"recipient"`
	Plaintiffs []string  `json:"plaintiffs"`
	Defendants []string  `json:"defendants"`
	Cause      string    `json:"cause"`
	Items      []FeeItem `json:"items"`
	// Deadline is the last day to pay: seven days from the day after the
	// notice is received (诉讼费用交纳办法 Art. 22), computed by the caller
	// on the court calendar.
	Deadline time.Time `json:"deadline"`
	Payment  Payment   `json:"payment"`
	Contact  Contact   `json:"contact"`
	Extra    []string  `json:"extra,omitempty"`
}

// Kind implements Body.
func (*FeeNotice) Kind() Kind { return KindFeeNotice }

// Total returns the sum of the items.
func (n *FeeNotice) Total() money.Fen {
	var t money.Fen
	for _, it := range n.Items {
		t += it.Amount
	}
	return t
}

func (n *FeeNotice) build(b *builder) {
	b.required("body.cause", n.Cause)
	if len(n.Items) == 0 {
		b.c.Add("body.items", "required")
	}
	for i, it := range n.Items {
		b.required("body.items["+strconv.Itoa(i)+"].name", it.Name)
		if it.Amount < 0 {
			b.c.AddField(errs.FieldError{Field: "body.items[" + strconv.Itoa(i) + "].amount", Code: "negative", Key: "render.error.negative_amount"})
		}
	}
	if n.Deadline.IsZero() {
		b.c.Add("body.deadline", "required")
	}
	you := n.Recipient.you()
	b.heading()
	b.salutation(n.Recipient)
	b.para(caseLine(n.Plaintiffs, n.Defendants, n.Cause) + "，本院已立案受理。依照《诉讼费用交纳办法》第六条、第十三条、第二十条、第二十二条的规定，" +
		you + "应当预交下列诉讼费用：")
	t := &table{cols: []column{{width: 0.22}, {width: 0.53}, {width: 0.25, right: true}}, head: true}
	t.rows = append(t.rows, []string{"项目", "计算依据", "金额（元）"})
	for _, it := range n.Items {
		t.rows = append(t.rows, []string{strings.TrimSpace(it.Name), strings.TrimSpace(it.Basis), it.Amount.String()})
	}
	total := n.Total()
	t.rows = append(t.rows, []string{"合计", "大写：" + yuanUpper(total), total.String()})
	b.blocks = append(b.blocks, block{kind: bkTable, table: t})
	b.para("请于" + arDate(n.Deadline) + "前（含当日）交纳上述费用，交纳方式如下：")
	var ways []string
	if o := strings.TrimSpace(n.Payment.Online); o != "" {
		w := "在线交纳：" + strings.TrimRight(o, "。；")
		if c := strings.TrimSpace(n.Payment.Code); c != "" {
			w += "，缴费码" + c
		}
		ways = append(ways, w)
	}
	if !blank(n.Payment.AccountNumber) {
		w := "银行转账：开户银行" + strings.TrimSpace(n.Payment.Bank) + "，户名" + strings.TrimSpace(n.Payment.AccountName) +
			"，账号" + strings.TrimSpace(n.Payment.AccountNumber) + "，汇款时请注明案号"
		if c := strings.TrimSpace(n.Payment.Code); c != "" {
			w += "及缴费码"
		}
		ways = append(ways, w)
	}
	if len(ways) == 0 {
		b.c.Add("body.payment", "required")
	}
	for _, w := range arabicNumbered(ways) {
		b.add(bkPara, w)
	}
	b.items([]string{
		// 民诉法解释 Art. 213.
		you + "逾期不预交，又未提出缓交、减交、免交申请，或者申请未获批准仍不预交的，本院将裁定按撤诉处理",
		// 诉讼费用交纳办法 Art. 44–48.
		you + "交纳诉讼费用确有困难的，可以依照《诉讼费用交纳办法》第四十四条至第四十八条的规定向本院申请司法救助；诉讼费用的免交只适用于自然人",
	}, n.Extra)
	b.para("特此通知。")
	b.contact(n.Contact)
	b.noticeSign()
}

// EvidenceNotice is the 举证通知书 (CPL Art. 68; 民诉法解释 Art. 90, 99).
type EvidenceNotice struct {
	Recipient  Addressee `json:"recipient"`
	Plaintiffs []string  `json:"plaintiffs"`
	Defendants []string  `json:"defendants"`
	Cause      string    `json:"cause"`
	// Procedure is 普通程序, 简易程序 or 小额诉讼程序; it bounds PeriodDays:
	// at least 15 days in ordinary first-instance cases (民诉法解释 Art. 99),
	// at most 15 in the simplified procedure (Art. 266).
	Procedure string `json:"procedure,omitempty"`
	// PeriodDays is the evidence period (举证期限), counted from the day
	// after the notice is received.
	PeriodDays int `json:"period_days,omitempty"`
	// Deadline is the period's last day when it is known (e.g. agreed by the
	// parties); it is printed after PeriodDays, or alone.
	Deadline time.Time `json:"deadline,omitzero"`
	Contact  Contact   `json:"contact"`
	Extra    []string  `json:"extra,omitempty"`
}

// Kind implements Body.
func (*EvidenceNotice) Kind() Kind { return KindEvidenceNotice }

func (n *EvidenceNotice) build(b *builder) {
	b.required("body.cause", n.Cause)
	switch {
	case n.PeriodDays < 0:
		b.c.Add("body.period_days", "format")
	case n.PeriodDays == 0 && n.Deadline.IsZero():
		b.c.Add("body.period_days", "required")
	case n.Procedure == "普通程序" && n.PeriodDays > 0 && n.PeriodDays < 15:
		// 民诉法解释 Art. 99: 第一审普通程序案件不得少于十五日.
		b.c.AddField(errs.FieldError{Field: "body.period_days", Code: "too_short", Key: "render.error.evidence_period_min", Args: []any{15}})
	case n.Procedure == "简易程序" && n.PeriodDays > 15:
		// 民诉法解释 Art. 266: 简易程序 … 不得超过十五日.
		b.c.AddField(errs.FieldError{Field: "body.period_days", Code: "too_long", Key: "render.error.evidence_period_max", Args: []any{15}})
	}
	you := n.Recipient.you()
	period := ""
	switch {
	case n.PeriodDays > 0 && !n.Deadline.IsZero():
		period = "本案举证期限为" + days(n.PeriodDays) + "，自" + you + "收到本通知书之次日起计算，至" + arDate(n.Deadline) + "届满"
	case n.PeriodDays > 0:
		period = "本案举证期限为" + days(n.PeriodDays) + "，自" + you + "收到本通知书之次日起计算"
	default:
		period = "本案举证期限至" + arDate(n.Deadline) + "届满"
	}
	b.heading()
	b.salutation(n.Recipient)
	b.para("本院受理的" + caseLine(n.Plaintiffs, n.Defendants, n.Cause) + "，依照《中华人民共和国民事诉讼法》第六十八条和《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第九十条、第九十九条的规定，现将举证有关事项通知如下：")
	b.items([]string{
		// 民诉法解释 Art. 90.
		"当事人对自己提出的诉讼请求所依据的事实或者反驳对方诉讼请求所依据的事实，应当提供证据加以证明，但法律另有规定的除外；未能提供证据或者证据不足以证明其事实主张的，由负有举证证明责任的当事人承担不利的后果",
		period,
		// 民诉法解释 Art. 100.
		you + "在举证期限内提供证据确有困难的，应当在举证期限届满前向本院提出延长举证期限的书面申请",
		// CPL Art. 68(2).
		you + "逾期提供证据的，本院将责令说明理由；拒不说明理由或者理由不成立的，本院根据不同情形可以不予采纳该证据，或者采纳该证据但予以训诫、罚款",
		// CPL Art. 67(2); 证据规定 Art. 20.
		you + "因客观原因不能自行收集的证据，可以在举证期限届满前书面申请本院调查收集",
		// 民诉法解释 Art. 121.
		you + "申请鉴定的，可以在举证期限届满前提出",
		// Online Litigation Rules Art. 11–13.
		"提交证据材料应当逐一分类编号，写明证据名称、来源和证明目的；通过电子诉讼平台提交的，应当上传清晰、完整的电子化材料，对方当事人对电子化材料与原件的一致性提出有合理理由的异议的，应当提供原件",
	}, n.Extra)
	b.para("特此通知。")
	b.contact(n.Contact)
	b.noticeSign()
}
