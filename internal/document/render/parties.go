package render

import (
	"strconv"
	"strings"
	"time"
)

// Party is a party as a document names it, with the particulars the 2016
// 人民法院民事裁判文书制作规范 lists: for a natural person name, sex, date
// of birth, ethnicity, occupation or employer and post, and domicile; for an
// organisation name and seat, then its legal representative; then the
// agents.
type Party struct {
	// Role is the party's standing as printed: 原告, 被告, 第三人,
	// 上诉人（原审被告）, 申请执行人, 被执行人 …
	Role         string    `json:"role"`
	Name         string    `json:"name"`
	Organisation bool      `json:"organisation,omitempty"`
	Sex          string    `json:"sex,omitempty"` // "M" or "F"; persons only
	BirthDate    time.Time `json:"birth_date,omitzero"`
	Ethnicity    string    `json:"ethnicity,omitempty"`  // 汉族
	Occupation   string    `json:"occupation,omitempty"` // 职业, or 工作单位和职务
	// Address is the domicile (住所) of a person or the seat (住所地) of an
	// organisation.
	Address string `json:"address,omitempty"`
	// IDLabel and IDNumber are printed only by the kinds that show them
	// (the complaint, CPL Art. 124(一)); IDLabel defaults to 公民身份号码
	// for a person and 统一社会信用代码 for an organisation.
	IDLabel  string `json:"id_label,omitempty"`
	IDNumber string `json:"id_number,omitempty"`
	Phone    string `json:"phone,omitempty"` // printed where IDNumber is
	// LegalRep is an organisation's 法定代表人 (or 主要负责人, set Role) or
	// a person's 法定代理人 (CPL Art. 60).
	LegalRep *Representative `json:"legal_rep,omitempty"`
	// Agents are the 委托诉讼代理人, at most two (CPL Art. 61).
	Agents []Representative `json:"agents,omitempty"`
}

// Representative acts for a party.
type Representative struct {
	// Role overrides the printed label (法定代表人, 法定代理人,
	// 委托诉讼代理人), e.g. 主要负责人.
	Role string `json:"role,omitempty"`
	Name string `json:"name"`
	// Detail follows the name: the post (该公司总经理), the relation (系张小之父)
	// or the firm and title (浙江某某律师事务所律师).
	Detail string `json:"detail,omitempty"`
}

// Signer is one name of the 落款: 审判长 张三, 书记员 李四.
type Signer struct {
	Role string `json:"role"`
	Name string `json:"name"`
}

// Contact is the court officer a notice names for questions.
type Contact struct {
	Name  string `json:"name,omitempty"`  // 承办人 / 联系人
	Phone string `json:"phone,omitempty"` // 联系电话
}

// partyText returns the particulars line of p and one line per
// representative. withID adds the identity number and phone.
func partyText(p Party, withID bool) (main string, reps []string) {
	var parts []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	add(p.Name)
	if p.Organisation {
		if a := strings.TrimSpace(p.Address); a != "" {
			add("住所地" + a)
		}
	} else {
		switch p.Sex {
		case "M":
			add("男")
		case "F":
			add("女")
		}
		if !p.BirthDate.IsZero() {
			add(arDate(p.BirthDate) + "出生")
		}
		add(p.Ethnicity)
		add(p.Occupation)
		if a := strings.TrimSpace(p.Address); a != "" {
			add("住" + a)
		}
	}
	if withID {
		if id := strings.TrimSpace(p.IDNumber); id != "" {
			label := p.IDLabel
			if label == "" {
				label = "公民身份号码"
				if p.Organisation {
					label = "统一社会信用代码"
				}
			}
			add(label + "：" + id)
		}
		if ph := strings.TrimSpace(p.Phone); ph != "" {
			add("联系电话：" + ph)
		}
	}
	main = strings.TrimSpace(p.Role) + "：" + strings.Join(parts, "，") + "。"
	if r := p.LegalRep; r != nil && !blank(r.Name) {
		label := "法定代理人"
		if p.Organisation {
			label = "法定代表人"
		}
		reps = append(reps, repText(*r, label))
	}
	for _, a := range p.Agents {
		if !blank(a.Name) {
			reps = append(reps, repText(a, "委托诉讼代理人"))
		}
	}
	return main, reps
}

func repText(r Representative, label string) string {
	if r.Role != "" {
		label = r.Role
	}
	s := label + "：" + strings.TrimSpace(r.Name)
	if d := strings.TrimSpace(r.Detail); d != "" {
		s += "，" + strings.TrimRight(d, "。")
	}
	return s + "。"
}

// partyBlocks adds the parties, each with its representatives, one
// paragraph per line.
func (b *builder) parties(ps []Party, withID bool) {
	if len(ps) == 0 {
		b.c.Add("body.parties", "required")
	}
	for i, p := range ps {
		if blank(p.Name) {
			b.c.Add("body.parties["+strconv.Itoa(i)+"].name", "required")
		}
		if blank(p.Role) {
			b.c.Add("body.parties["+strconv.Itoa(i)+"].role", "required")
		}
		main, reps := partyText(p, withID)
		b.add(bkPara, main)
		for _, r := range reps {
			b.add(bkPara, r)
		}
	}
}

// names joins names with 、.
func names(ns []string) string {
	var out []string
	for _, n := range ns {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "、")
}

// partyNames returns the names of the parties whose role starts with
// prefix, joined with 、.
func partyNames(ps []Party, prefix string) string {
	var n []string
	for _, p := range ps {
		if strings.HasPrefix(p.Role, prefix) {
			n = append(n, p.Name)
		}
	}
	return names(n)
}

// signers converts the public Signer list.
func signers(ss []Signer) []signer {
	out := make([]signer, 0, len(ss))
	for _, s := range ss {
		if !blank(s.Name) {
			out = append(out, signer{role: strings.TrimSpace(s.Role), name: strings.TrimSpace(s.Name)})
		}
	}
	return out
}

// contact adds the contact line of a notice.
func (b *builder) contact(c Contact) {
	var parts []string
	if !blank(c.Name) {
		parts = append(parts, "联系人："+strings.TrimSpace(c.Name))
	}
	if !blank(c.Phone) {
		parts = append(parts, "联系电话："+strings.TrimSpace(c.Phone))
	}
	if len(parts) > 0 {
		b.add(bkPara, strings.Join(parts, "　"))
	}
}

// numbered returns items numbered 一、二、… and closed by "；", the last by
// "。"; a single item is not numbered.
func numbered(items []string) []string {
	var clean []string
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			clean = append(clean, strings.TrimRight(it, "；;。."))
		}
	}
	out := make([]string, len(clean))
	for i, it := range clean {
		end := "；"
		if i == len(clean)-1 {
			end = "。"
		}
		if len(clean) == 1 {
			out[i] = it + end
		} else {
			out[i] = cnOrdinal(i+1) + it + end
		}
	}
	return out
}

// arabicNumbered returns items numbered 1. 2. … and closed like numbered.
func arabicNumbered(items []string) []string {
	out := numbered(items)
	if len(out) < 2 {
		return out
	}
	for i := range out {
		out[i] = strconv.Itoa(i+1) + "." + strings.TrimPrefix(out[i], cnOrdinal(i+1))
	}
	return out
}
