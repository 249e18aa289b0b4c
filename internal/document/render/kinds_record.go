package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
)

// RecordEntry is one line of a hearing record: who spoke and what the
// clerk recorded, or (Speaker "") a session mark such as 开庭 or 休庭.
type RecordEntry struct {
	At      time.Time `json:"at,omitzero"`
	Speaker string    `json:"speaker,omitempty"` // 审判长, 原告, 被告代理人 …; "" for a session mark
	Text    string    `json:"text"`
}

// RecordObjection is a participant's application to correct the record
// (CPL Art. 150 para 2: if it is not corrected, the application is
// recorded).
type RecordObjection struct {
	Role string    `json:"role"`
	Name string    `json:"name"`
	At   time.Time `json:"at,omitzero"`
	Text string    `json:"text"`
}

// RecordSignature is one participant's confirmation of the record, or the
// clerk's note that the participant refused to sign (CPL Art. 150 para 3:
// 拒绝签名盖章的，记明情况附卷).
type RecordSignature struct {
	Role string `json:"role"`
	Name string `json:"name"`
	// SignedAt is when the participant confirmed the record online.
	SignedAt time.Time `json:"signed_at,omitzero"`
	// Method is how, e.g. 在线确认（短信验证码）(Online Litigation Rules
	// Art. 33); "" prints 在线确认.
	Method string `json:"method,omitempty"`
	// Refused marks a refusal the clerk recorded, with Reason.
	Refused bool   `json:"refused,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// HearingRecord is the 庭审笔录: the clerk's record of everything done at
// the hearing (CPL Art. 150), made in step with an online hearing and
// checked and confirmed online by the participants (Online Litigation
// Rules Art. 33, 34), then signed by the judges and the clerk. A record is
// not sealed by the court: leave Document.Seal nil.
type HearingRecord struct {
	Cause string `json:"cause"`
	// Place is where the hearing was held, e.g. 本院第三法庭, or 互联网在线庭审.
	Place string `json:"place"`
	// Mode is printed after the place when set, e.g. 在线庭审.
	Mode     string    `json:"mode,omitempty"`
	OpenedAt time.Time `json:"opened_at"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
	// Panel are the judges (审判长 张三, 审判员 …) and Clerks the 书记员.
	Panel  []Signer `json:"panel"`
	Clerks []Signer `json:"clerks"`
	// Participants are the parties, agents and others present (到庭人员).
	Participants []Signer          `json:"participants,omitempty"`
	Entries      []RecordEntry     `json:"entries"`
	Objections   []RecordObjection `json:"objections,omitempty"`
	Signatures   []RecordSignature `json:"signatures,omitempty"`
}

// Kind implements Body.
func (*HearingRecord) Kind() Kind { return KindHearingRecord }

// clockTime writes the China wall-clock time of t: 09:30:05.
func clockTime(t time.Time) string { return t.In(clock.China).Format("15:04:05") }

func signerLine(ss []Signer) string {
	var out []string
	for _, s := range signers(ss) {
		out = append(out, s.role+" "+s.name)
	}
	return strings.Join(out, "、")
}

func (r *HearingRecord) build(b *builder) {
	b.required("body.cause", r.Cause)
	b.required("body.place", r.Place)
	if r.OpenedAt.IsZero() {
		b.c.Add("body.opened_at", "required")
	}
	if len(signers(r.Panel)) == 0 {
		b.c.Add("body.panel", "required")
	}
	if len(signers(r.Clerks)) == 0 {
		b.c.Add("body.clerks", "required")
	}
	for i, e := range r.Entries {
		b.required("body.entries["+strconv.Itoa(i)+"].text", e.Text)
	}
	for i, s := range r.Signatures {
		b.required("body.signatures["+strconv.Itoa(i)+"].name", s.Name)
		if s.Refused {
			b.required("body.signatures["+strconv.Itoa(i)+"].reason", s.Reason)
		}
	}
	when := arDateTime(r.OpenedAt)
	if !r.ClosedAt.IsZero() {
		if arDate(r.ClosedAt) == arDate(r.OpenedAt) {
			when += "至" + clockTime(r.ClosedAt)
		} else {
			when += "至" + arDateTime(r.ClosedAt)
		}
	}
	place := strings.TrimSpace(r.Place)
	if m := strings.TrimSpace(r.Mode); m != "" {
		place += "（" + m + "）"
	}
	b.heading()
	info := &table{cols: []column{{width: 0.2, center: true}, {width: 0.8}}}
	info.rows = [][]string{
		{"时间", when},
		{"地点", place},
		{"案由", strings.TrimSpace(r.Cause)},
		{"审判人员", signerLine(r.Panel)},
		{"书记员", signerLine(r.Clerks)},
	}
	if p := signerLine(r.Participants); p != "" {
		info.rows = append(info.rows, []string{"到庭人员", p})
	}
	b.blocks = append(b.blocks, block{kind: bkTable, table: info})
	b.add(bkHeading, "记录如下：")
	for _, e := range r.Entries {
		text := strings.TrimSpace(e.Text)
		sp := strings.TrimSpace(e.Speaker)
		if sp == "" {
			mark := "（"
			if !e.At.IsZero() {
				mark += clockTime(e.At) + " "
			}
			b.add(bkFlush, mark+text+"）")
			continue
		}
		b.para(sp + "：" + text)
	}
	if len(r.Objections) > 0 {
		// CPL Art. 150 para 2.
		b.add(bkHeading, "申请补正记录：")
		for _, o := range r.Objections {
			who := strings.TrimSpace(o.Role) + strings.TrimSpace(o.Name)
			if !o.At.IsZero() {
				who += "（" + arDateTime(o.At) + "）"
			}
			b.para(who + "：" + strings.TrimSpace(o.Text))
		}
	}
	if len(r.Signatures) > 0 {
		b.add(bkHeading, "笔录核对确认：")
		t := &table{cols: []column{{width: 0.18, center: true}, {width: 0.22, center: true}, {width: 0.6}}, head: true}
		t.rows = append(t.rows, []string{"身份", "姓名", "确认情况"})
		for _, s := range r.Signatures {
			var how string
			switch {
			case s.Refused:
				how = "拒绝签名：" + strings.TrimSpace(s.Reason)
			default:
				how = strings.TrimSpace(s.Method)
				if how == "" {
					how = "在线确认"
				}
				if !s.SignedAt.IsZero() {
					how += "\n" + arDateTime(s.SignedAt)
				}
			}
			t.rows = append(t.rows, []string{strings.TrimSpace(s.Role), strings.TrimSpace(s.Name), how})
		}
		b.blocks = append(b.blocks, block{kind: bkTable, table: t})
		// Online Litigation Rules Art. 34: once checked online, an electronic
		// record has the same effect as a paper one.
		b.para("本笔录已由上列诉讼参与人在线核对确认，与书面笔录具有同等法律效力（《人民法院在线诉讼规则》第三十三条、第三十四条）。")
	}
	// CPL Art. 150 para 1: signed by the judges and the clerk.
	b.sign(signBlock{signers: signers(r.Panel), date: cnDate(b.doc.IssuedOn), after: signers(r.Clerks)})
}
