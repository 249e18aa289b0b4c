package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// ResponseNotice is the 应诉通知书 served on the defendant with the copy of
// the complaint (CPL Art. 128).
type ResponseNotice struct {
	Recipient  Addressee `json:"recipient"` // the defendant
	Plaintiffs []string  `json:"plaintiffs"`
	Cause      string    `json:"cause"`
	// AnswerDays is the time for the defence: 15 days (CPL Art. 128), 30
	// for a defendant without domicile in the PRC (CPL Art. 285); 0 means 15.
	AnswerDays int `json:"answer_days,omitempty"`
	// Enclosures are the documents served with the notice: 起诉状副本 …
	Enclosures []string `json:"enclosures,omitempty"`
	Contact    Contact  `json:"contact"`
	Extra      []string `json:"extra,omitempty"`
}

// Kind implements Body.
func (*ResponseNotice) Kind() Kind { return KindResponseNotice }

func (n *ResponseNotice) build(b *builder) {
	b.required("body.cause", n.Cause)
	if len(n.Plaintiffs) == 0 {
		b.c.Add("body.plaintiffs", "required")
	}
	d := n.AnswerDays
	if d == 0 {
		d = 15
	}
	if d != 15 && d != 30 {
		b.c.Add("body.answer_days", "format")
	}
	you := n.Recipient.you()
	b.heading()
	b.salutation(n.Recipient)
	b.para(names(n.Plaintiffs) + "诉" + you + strings.TrimSpace(n.Cause) + "一案，本院已立案受理。依照《中华人民共和国民事诉讼法》第一百二十八条的规定，现向" +
		you + "送达起诉状副本等材料，并将应诉有关事项通知如下：")
	answer := you + "应当在收到起诉状副本之日起" + days(d) + "内向本院提出答辩状，记明"
	if n.Recipient.Organisation {
		answer += "单位名称、住所和法定代表人或者主要负责人的姓名、职务、联系方式"
	} else {
		answer += "姓名、性别、年龄、民族、职业、工作单位、住所、联系方式"
	}
	answer += "，并按原告人数提出副本；" + you + "不提出答辩状的，不影响本院审理"
	b.items([]string{
		answer,
		// CPL Art. 130.
		you + "对管辖权有异议的，应当在提交答辩状期间提出",
		// CPL Art. 61, 62.
		you + "可以委托一至二人作为诉讼代理人；委托他人代为诉讼的，应当向本院提交由委托人签名或者盖章的授权委托书",
		you + "应当在举证期限内向本院提交证据，举证期限和有关事项见举证通知书",
		// CPL Art. 90; 民诉法解释 Art. 136.
		you + "应当如实填写送达地址确认书；同意电子送达的，以送达信息到达" + you + "特定系统的日期为送达日期",
		// CPL Art. 147.
		"被告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，本院可以缺席判决",
	}, n.Extra)
	if len(n.Enclosures) > 0 {
		b.add(bkFlush, "附：")
		for _, e := range arabicNumbered(n.Enclosures) {
			b.add(bkPara, e)
		}
	}
	b.para("特此通知。")
	b.contact(n.Contact)
	b.noticeSign()
}

// Summons is the 传票 that calls a party to a hearing (CPL Art. 139:
// served at least three days before; 民诉法解释 Art. 227). The hearing
// context checks the dates; this type only prints them.
type Summons struct {
	Person  string    `json:"person"`  // 被传唤人
	Role    string    `json:"role"`    // 原告, 被告, 第三人 …
	Address string    `json:"address"` // 工作单位或者住址
	Cause   string    `json:"cause"`
	Purpose string    `json:"purpose,omitempty"` // 传唤事由; "" means 开庭
	Time    time.Time `json:"time"`              // 应到时间
	Place   string    `json:"place"`             // 应到处所
	// Online tells how to join an online hearing (Online Litigation Rules
	// Art. 21, 24), printed with the place; "" for a hearing in court.
	Online  string   `json:"online,omitempty"`
	Contact Contact  `json:"contact"`
	Notes   []string `json:"notes,omitempty"` // items after the standard ones
}

// Kind implements Body.
func (*Summons) Kind() Kind { return KindSummons }

// hearingTime writes a China time as a summons does: 2026年12月10日上午9时30分.
func hearingTime(t time.Time) string {
	t = t.In(clock.China)
	h, m := t.Hour(), t.Minute()
	half := "上午"
	switch {
	case h >= 12 && h < 18:
		half = "下午"
		if h > 12 {
			h -= 12
		}
	case h >= 18:
		half = "晚上"
		h -= 12
	}
	s := arDate(t) + half + strconv.Itoa(h) + "时"
	if m != 0 {
		s += strconv.Itoa(m) + "分"
	}
	return s
}

func (n *Summons) build(b *builder) {
	b.required("body.person", n.Person)
	b.required("body.cause", n.Cause)
	b.required("body.place", n.Place)
	if n.Time.IsZero() {
		b.c.Add("body.time", "required")
	}
	purpose := strings.TrimSpace(n.Purpose)
	if purpose == "" {
		purpose = "开庭"
	}
	person := strings.TrimSpace(n.Person)
	if r := strings.TrimSpace(n.Role); r != "" {
		person += "（" + r + "）"
	}
	place := strings.TrimSpace(n.Place)
	if o := strings.TrimSpace(n.Online); o != "" {
		place += "\n" + o
	}
	absent := "原告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，可以按撤诉处理；被告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，可以缺席判决（《中华人民共和国民事诉讼法》第一百四十六条、第一百四十七条）"
	switch {
	case strings.HasPrefix(n.Role, "原告"):
		absent = "原告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，可以按撤诉处理（《中华人民共和国民事诉讼法》第一百四十六条）"
	case strings.HasPrefix(n.Role, "被告"):
		absent = "被告经传票传唤，无正当理由拒不到庭的，或者未经法庭许可中途退庭的，可以缺席判决（《中华人民共和国民事诉讼法》第一百四十七条）"
	}
	std := []string{"被传唤人必须准时到达应到处所，并携带本传票和身份证件"}
	if n.Online != "" {
		// Online Litigation Rules Art. 7: identity is verified again before an online hearing.
		std[0] = "被传唤人必须准时到达应到处所；在线参加庭审的，应当按时登录电子诉讼平台并再次完成身份验证"
	}
	std = append(std, "被传唤人收到传票后，应当在送达回证上签名或者盖章", absent)
	notes := numbered(append(std, n.Notes...))
	contact := strings.TrimSpace(n.Contact.Name)
	if p := strings.TrimSpace(n.Contact.Phone); p != "" {
		contact += "　联系电话：" + p
	}
	b.heading()
	// The summons is a form: everything in one table, on one page.
	t := &table{cols: []column{{width: 0.28, center: true}, {width: 0.72}}}
	t.rows = [][]string{
		{"案由", strings.TrimSpace(n.Cause)},
		{"被传唤人", person},
		{"工作单位或者住址", strings.TrimSpace(n.Address)},
		{"传唤事由", purpose},
		{"应到时间", hearingTime(n.Time)},
		{"应到处所", place},
		{"注意事项", strings.Join(notes, "\n")},
	}
	if !blank(contact) {
		t.rows = append(t.rows, []string{"联系人", contact})
	}
	b.blocks = append(b.blocks, block{kind: bkTable, table: t})
	b.noticeSign()
}
