package render

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Kind names a kind of court document. The value is stable: it is stored
// with issued documents and used in their JSON form.
type Kind string

// The document kinds. The comment gives the printed title.
const (
	KindAcceptanceNotice    Kind = "acceptance_notice"    // 受理案件通知书
	KindFeeNotice           Kind = "fee_notice"           // 交纳诉讼费用通知书
	KindEvidenceNotice      Kind = "evidence_notice"      // 举证通知书
	KindResponseNotice      Kind = "response_notice"      // 应诉通知书
	KindSummons             Kind = "summons"              // 传票
	KindAddressConfirmation Kind = "address_confirmation" // 送达地址确认书
	KindServiceCertificate  Kind = "service_certificate"  // 电子送达凭证
	KindJudgment            Kind = "civil_judgment"       // 民事判决书
	KindRuling              Kind = "civil_ruling"         // 民事裁定书
	KindMediation           Kind = "civil_mediation"      // 民事调解书
	KindEnforcementNotice   Kind = "enforcement_notice"   // 执行通知书
	KindComplaint           Kind = "complaint"            // 民事起诉状
	KindHearingRecord       Kind = "hearing_record"       // 庭审笔录
)

// kinds maps each kind to its standard title and a new empty body (for
// decoding JSON).
var kinds = map[Kind]struct {
	title string
	body  func() Body
}{
	KindAcceptanceNotice:    {"受理案件通知书", func() Body { return &AcceptanceNotice{} }},
	KindFeeNotice:           {"交纳诉讼费用通知书", func() Body { return &FeeNotice{} }},
	KindEvidenceNotice:      {"举证通知书", func() Body { return &EvidenceNotice{} }},
	KindResponseNotice:      {"应诉通知书", func() Body { return &ResponseNotice{} }},
	KindSummons:             {"传票", func() Body { return &Summons{} }},
	KindAddressConfirmation: {"送达地址确认书", func() Body { return &AddressConfirmation{} }},
	KindServiceCertificate:  {"电子送达凭证", func() Body { return &ServiceCertificate{} }},
	KindJudgment:            {"民事判决书", func() Body { return &Judgment{} }},
	KindRuling:              {"民事裁定书", func() Body { return &Ruling{} }},
	KindMediation:           {"民事调解书", func() Body { return &Mediation{} }},
	KindEnforcementNotice:   {"执行通知书", func() Body { return &EnforcementNotice{} }},
	KindComplaint:           {"民事起诉状", func() Body { return &Complaint{} }},
	KindHearingRecord:       {"庭审笔录", func() Body { return &HearingRecord{} }},
}

// Kinds lists every document kind, in a fixed order.
func Kinds() []Kind {
	return []Kind{
		KindAcceptanceNotice, KindFeeNotice, KindEvidenceNotice, KindResponseNotice,
		KindSummons, KindAddressConfirmation, KindServiceCertificate, KindJudgment,
		KindRuling, KindMediation, KindEnforcementNotice, KindComplaint,
		KindHearingRecord,
	}
}

// Title returns the standard printed title of the kind, "" for an unknown
// kind.
func (k Kind) Title() string { return kinds[k].title }

// Document is one court document: the heading every kind shares and the
// kind's own body. The same Document renders to PDF (PDF) and to an HTML
// fragment (HTML) with the same text.
type Document struct {
	// CourtName is the full name of the court, e.g. 浙江省象山县人民法院.
	// It heads the document, signs it, goes round the seal and is the PDF
	// author. For a complaint it is the court addressed (此致).
	CourtName string
	// Title overrides the kind's standard title (Kind.Title) when set.
	Title string
	// CaseNumber is the case number (案号) as printed, e.g.
	// （2026）浙0225民初1号; "" for a document without one (a complaint).
	CaseNumber string
	// IssuedOn is the date of the document; its China calendar date is
	// printed in Chinese numerals (二〇二六年十一月二十六日) in the 落款.
	IssuedOn time.Time
	// Seal is the court's seal drawn over the 落款; nil for a document the
	// court does not seal (a party's complaint). Options.Draft suppresses it.
	Seal *Seal
	// Body is the kind's content: one of *AcceptanceNotice, *FeeNotice,
	// *EvidenceNotice, *ResponseNotice, *Summons, *AddressConfirmation,
	// *ServiceCertificate, *Judgment, *Ruling, *Mediation,
	// *EnforcementNotice, *Complaint, *HearingRecord.
	Body Body
}

// Seal describes the visible seal (印章): a red circle with a five-pointed
// star, the court's name along the upper arc and, for a special-purpose
// seal, its purpose under the star.
type Seal struct {
	// Name runs along the upper arc; "" means Document.CourtName.
	Name string `json:"name,omitempty"`
	// Purpose is printed under the star, e.g. 诉讼专用章; "" for the
	// court's own seal (院印).
	Purpose string `json:"purpose,omitempty"`
}

// Body is the content of one kind of document. It is implemented by the
// kind types of this package only.
type Body interface {
	// Kind returns the document kind the body belongs to.
	Kind() Kind
	// build validates the body and lays it out as blocks.
	build(b *builder)
}

// Kind returns the kind of d's body, "" when d has no body.
func (d Document) Kind() Kind {
	if d.Body == nil {
		return ""
	}
	return d.Body.Kind()
}

// DisplayTitle returns the printed title: Title, or the kind's standard one.
func (d Document) DisplayTitle() string {
	if d.Title != "" {
		return d.Title
	}
	return d.Kind().Title()
}

// documentJSON is Document's JSON form: the body is tagged by its kind.
type documentJSON struct {
	Kind       Kind            `json:"kind"`
	CourtName  string          `json:"court_name"`
	Title      string          `json:"title,omitempty"`
	CaseNumber string          `json:"case_number,omitempty"`
	IssuedOn   time.Time       `json:"issued_on"`
	Seal       *Seal           `json:"seal,omitempty"`
	Body       json.RawMessage `json:"body"`
}

// MarshalJSON encodes d with its kind, so that UnmarshalJSON can restore
// the body's type; issued documents can be stored and rendered again.
func (d Document) MarshalJSON() ([]byte, error) {
	body, err := json.Marshal(d.Body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(documentJSON{
		Kind: d.Kind(), CourtName: d.CourtName, Title: d.Title, CaseNumber: d.CaseNumber,
		IssuedOn: d.IssuedOn, Seal: d.Seal, Body: body,
	})
}

// UnmarshalJSON decodes what MarshalJSON wrote. An unknown kind is an
// error.
func (d *Document) UnmarshalJSON(data []byte) error {
	var j documentJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	k, ok := kinds[j.Kind]
	if !ok {
		return fmt.Errorf("render: unknown document kind %q", j.Kind)
	}
	body := k.body()
	if len(j.Body) > 0 && string(j.Body) != "null" {
		if err := json.Unmarshal(j.Body, body); err != nil {
			return fmt.Errorf("render: %s body: %w", j.Kind, err)
		}
	}
	*d = Document{CourtName: j.CourtName, Title: j.Title, CaseNumber: j.CaseNumber, IssuedOn: j.IssuedOn, Seal: j.Seal, Body: body}
	return nil
}

// Options control one rendering.
type Options struct {
	// Draft renders a preview: no seal, and a 草稿 watermark on every PDF
	// page (a banner in HTML). Issued documents are rendered with Draft false.
	Draft bool
	// Created is the PDF creation and modification date. Zero means the
	// start of IssuedOn's China day, so the same Document always gives the
	// same bytes.
	Created time.Time
	// Verification is a line printed small at the foot of every PDF page
	// under the page number, e.g. "验证码 ABCD-EFGH-JKMN-PQR5 · 核验网址
	// https://court.example/documents/verify": how anyone checks the
	// paper copy against the court's record. "" prints nothing.
	Verification string
}

// Result is a rendered PDF.
type Result struct {
	PDF   []byte
	Pages int
	// Seal is where the visible seal was drawn, nil when none was (no Seal,
	// or Draft). A digital signature's widget belongs on this rectangle.
	Seal *SealPlacement
}

// SealPlacement locates the visible seal for the digital signature.
type SealPlacement struct {
	Page int  // 1-based page number (the last page)
	Rect Rect // the seal's bounding square
}

// Rect is a rectangle in PDF points (1/72 inch), origin at the page's
// lower-left corner, as digitorus/pdfsign's Appearance wants it.
type Rect struct {
	LLX, LLY, URX, URY float64
}

// validate checks the heading fields every kind needs.
func (d Document) validate(c *errs.Collector) {
	if d.Body == nil {
		c.Add("body", "required")
		return
	}
	if blank(d.CourtName) {
		c.Add("court_name", "required")
	}
	if d.IssuedOn.IsZero() {
		c.Add("issued_on", "required")
	}
}
