package render

import (
	"strconv"
	"strings"
	"time"
)

// ServiceAddress is one electronic address of a recipient.
type ServiceAddress struct {
	Channel string `json:"channel"` // 诉讼平台, 手机短信, 电子邮件 …
	Address string `json:"address"` // account, number or e-mail address as printed (masked by the caller where needed)
}

// AddressConfirmation is the 送达地址确认书 (民诉法解释 Art. 136–137;
// Online Litigation Rules Art. 29–30): the recipient's consent to
// electronic service, the electronic addresses, the postal address and the
// recipient's confirmation.
type AddressConfirmation struct {
	Recipient string `json:"recipient"` // 受送达人
	Role      string `json:"role"`      // 原告, 被告 …
	Cause     string `json:"cause"`
	// Consent is whether the recipient agrees to electronic service.
	Consent bool `json:"consent"`
	// DeemedConsent states the ground when consent is deemed under Online
	// Litigation Rules Art. 29 rather than given, e.g.
	// 在起诉状中主动提供了用于接收送达的电子地址（《人民法院在线诉讼规则》第二十九条第三项）.
	DeemedConsent string           `json:"deemed_consent,omitempty"`
	Addresses     []ServiceAddress `json:"addresses,omitempty"`
	// The postal address for service on paper.
	PostalAddress   string `json:"postal_address,omitempty"`
	PostalRecipient string `json:"postal_recipient,omitempty"`
	PostalCode      string `json:"postal_code,omitempty"`
	Phone           string `json:"phone,omitempty"`
	Agent           string `json:"agent,omitempty"` // 代收人
	// ConfirmedAt and ConfirmedBy record the recipient's confirmation, e.g.
	// 电子诉讼平台在线确认（实名认证账号）(Online Litigation Rules Art. 33).
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	Notes       []string  `json:"notes,omitempty"`
}

// Kind implements Body.
func (*AddressConfirmation) Kind() Kind { return KindAddressConfirmation }

func (n *AddressConfirmation) build(b *builder) {
	b.required("body.recipient", n.Recipient)
	b.required("body.cause", n.Cause)
	if n.Consent && len(n.Addresses) == 0 {
		b.c.Add("body.addresses", "required")
	}
	if !n.Consent && blank(n.PostalAddress) {
		b.c.Add("body.postal_address", "required")
	}
	recipient := strings.TrimSpace(n.Recipient)
	if r := strings.TrimSpace(n.Role); r != "" {
		recipient += "（" + r + "）"
	}
	consent := "不同意"
	if n.Consent {
		consent = "同意"
		if d := strings.TrimSpace(n.DeemedConsent); d != "" {
			consent = "视为同意：" + d
		}
	}
	var addrs []string
	for _, a := range n.Addresses {
		addrs = append(addrs, strings.TrimSpace(a.Channel)+"："+strings.TrimSpace(a.Address))
	}
	var postal []string
	if !blank(n.PostalAddress) {
		postal = append(postal, "地址："+strings.TrimSpace(n.PostalAddress))
	}
	if !blank(n.PostalRecipient) {
		postal = append(postal, "收件人："+strings.TrimSpace(n.PostalRecipient))
	}
	if !blank(n.PostalCode) {
		postal = append(postal, "邮政编码："+strings.TrimSpace(n.PostalCode))
	}
	if !blank(n.Phone) {
		postal = append(postal, "联系电话："+strings.TrimSpace(n.Phone))
	}
	confirm := "本人已经阅读本确认书的告知事项，提供了上列送达地址，确认了上述送达方式，并保证所提供的各项内容真实、准确。"
	if !n.ConfirmedAt.IsZero() {
		confirm += "\n确认时间：" + arDateTime(n.ConfirmedAt)
	}
	if c := strings.TrimSpace(n.ConfirmedBy); c != "" {
		confirm += "\n确认方式：" + c
	}
	notice := strings.Join([]string{
		"1.当事人应当如实提供确切的送达地址，以便及时收到人民法院的诉讼文书。",
		// 民诉法解释 Art. 137.
		"2.确认的送达地址适用于第一审程序、第二审程序和执行程序；在提起上诉、申请再审、申请执行时未书面变更的，仍以本确认书的地址为送达地址。",
		"3.送达地址或者电子地址变更的，应当及时书面告知本院；地址不准确或者变更后未告知，致使诉讼文书未能被实际接收的，由受送达人自行承担相应的法律后果。",
		// CPL Art. 90; Online Litigation Rules Art. 31.
		"4.同意电子送达的，以送达信息到达受送达人特定系统的日期为送达日期；对同一内容以多种电子方式送达的，以最先完成的有效送达时间为送达生效时间。判决书、裁定书、调解书经电子送达后，受送达人需要纸质文书的，本院应当提供。",
	}, "\n")
	t := &table{cols: []column{{width: 0.28, center: true}, {width: 0.72}}}
	t.rows = [][]string{
		{"案由", strings.TrimSpace(n.Cause)},
		{"受送达人", recipient},
		{"告知事项", notice},
		{"是否同意电子送达", consent},
		{"电子送达地址", strings.Join(addrs, "\n")},
		{"邮寄送达地址", strings.Join(postal, "\n")},
		{"代收人", strings.TrimSpace(n.Agent)},
		{"受送达人确认", confirm},
	}
	if len(n.Notes) > 0 {
		t.rows = append(t.rows, []string{"备注", strings.Join(n.Notes, "\n")})
	}
	b.heading()
	b.blocks = append(b.blocks, block{kind: bkTable, table: t})
	b.noticeSign()
}

// ServedDocument is a document served, identified for verification.
type ServedDocument struct {
	Title  string `json:"title"`            // 民事判决书
	Number string `json:"number,omitempty"` // its case number
	Code   string `json:"code,omitempty"`   // the document code for public verification
	SHA256 string `json:"sha256,omitempty"` // hex SHA-256 of the served PDF
}

// Delivery is the record of one electronic channel.
type Delivery struct {
	Channel   string    `json:"channel"` // 诉讼平台, 手机短信, 电子邮件
	Address   string    `json:"address"` // as printed, masked by the caller
	SentAt    time.Time `json:"sent_at,omitzero"`
	ArrivedAt time.Time `json:"arrived_at,omitzero"` // "sent successfully" reported by the channel
	Status    string    `json:"status"`              // 送达成功, 发送失败 …
}

// ServiceCertificate is the 电子送达凭证, which has the effect of a service
// receipt (送达回证): Online Litigation Rules Art. 31; CPL Art. 87, 90;
// 民诉法解释 Art. 135.
type ServiceCertificate struct {
	Cause         string           `json:"cause"`
	Documents     []ServedDocument `json:"documents"`
	Recipient     string           `json:"recipient"`
	RecipientRole string           `json:"recipient_role,omitempty"`
	Deliveries    []Delivery       `json:"deliveries"`
	// ServedAt is the legal time of service. Zero means the earliest
	// ArrivedAt of the deliveries (Online Litigation Rules Art. 31: the
	// earliest valid service counts), with ServedVia its channel.
	ServedAt  time.Time `json:"served_at,omitzero"`
	ServedVia string    `json:"served_via,omitempty"`
	ReadAt    time.Time `json:"read_at,omitzero"` // zero: not read yet
	Server    string    `json:"server,omitempty"` // 送达人
	Notes     []string  `json:"notes,omitempty"`
}

// Kind implements Body.
func (*ServiceCertificate) Kind() Kind { return KindServiceCertificate }

// Served returns the legal time of service and its channel: ServedAt and
// ServedVia when set, else the earliest arrival among the deliveries
// (Online Litigation Rules Art. 31; 民诉法解释 Art. 135). ok is false when
// nothing arrived.
func (n *ServiceCertificate) Served() (at time.Time, via string, ok bool) {
	if !n.ServedAt.IsZero() {
		return n.ServedAt, n.ServedVia, true
	}
	for _, d := range n.Deliveries {
		if !d.ArrivedAt.IsZero() && (at.IsZero() || d.ArrivedAt.Before(at)) {
			at, via = d.ArrivedAt, d.Channel
		}
	}
	return at, via, !at.IsZero()
}

func (n *ServiceCertificate) build(b *builder) {
	b.required("body.recipient", n.Recipient)
	b.required("body.cause", n.Cause)
	if len(n.Documents) == 0 {
		b.c.Add("body.documents", "required")
	}
	for i, d := range n.Documents {
		b.required("body.documents["+strconv.Itoa(i)+"].title", d.Title)
	}
	if len(n.Deliveries) == 0 {
		b.c.Add("body.deliveries", "required")
	}
	at, via, ok := n.Served()
	if !ok {
		b.c.Add("body.served_at", "required")
	}
	var docs []string
	for _, d := range n.Documents {
		s := strings.TrimSpace(d.Title)
		if d.Number != "" {
			s += d.Number
		}
		if d.Code != "" {
			s += "\n文书编号：" + d.Code
		}
		if d.SHA256 != "" {
			s += "\nSHA-256：" + d.SHA256
		}
		docs = append(docs, s)
	}
	recipient := strings.TrimSpace(n.Recipient)
	if r := strings.TrimSpace(n.RecipientRole); r != "" {
		recipient += "（" + r + "）"
	}
	var channels []string
	for _, d := range n.Deliveries {
		channels = append(channels, d.Channel)
	}
	b.heading()
	info := &table{cols: []column{{width: 0.2, center: true}, {width: 0.8}}}
	info.rows = [][]string{
		{"案由", strings.TrimSpace(n.Cause)},
		{"送达文书", strings.Join(docs, "\n")},
		{"受送达人", recipient},
		{"送达方式", "电子送达（" + strings.Join(channels, "、") + "）"},
	}
	b.blocks = append(b.blocks, block{kind: bkTable, table: info})
	log := &table{cols: []column{{width: 0.16, center: true}, {width: 0.30}, {width: 0.18, center: true}, {width: 0.18, center: true}, {width: 0.18, center: true}}, head: true}
	log.rows = append(log.rows, []string{"渠道", "送达地址", "发送时间", "到达时间", "状态"})
	for _, d := range n.Deliveries {
		log.rows = append(log.rows, []string{d.Channel, d.Address, isoDateTime(d.SentAt), isoDateTime(d.ArrivedAt), d.Status})
	}
	b.blocks = append(b.blocks, block{kind: bkTable, table: log})
	served := arDateTime(at)
	if via != "" {
		served += "\n以最先到达受送达人特定系统的" + via + "送达时间为准"
	}
	read := "未阅读"
	if !n.ReadAt.IsZero() {
		read = arDateTime(n.ReadAt)
	}
	notes := "本凭证由电子送达系统根据全程留痕的送达记录生成，具有送达回证效力。"
	if len(n.Notes) > 0 {
		notes += "\n" + strings.Join(n.Notes, "\n")
	}
	result := &table{cols: []column{{width: 0.2, center: true}, {width: 0.8}}}
	result.rows = [][]string{
		{"送达时间", served},
		{"阅读时间", read},
		{"送达依据", "《中华人民共和国民事诉讼法》第九十条；《最高人民法院关于适用〈中华人民共和国民事诉讼法〉的解释》第一百三十五条；《人民法院在线诉讼规则》第三十一条"},
		{"送达人", strings.TrimSpace(n.Server)},
		{"备注", notes},
	}
	b.blocks = append(b.blocks, block{kind: bkTable, table: result})
	b.noticeSign()
}
