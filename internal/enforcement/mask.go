package enforcement

import (
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"

	"github.com/ecourt/ecourt/internal/platform/money"
)

// Masking of node views. The parties see a node's sensitive fields masked
// (account, ID and registry numbers, plates, addresses: the kind's Mask
// list plus alwaysMasked), and the officer's position rounded to 0.001°
// (about 100 m): enough to show that the officers were on site, not the
// debtor's door. Staff see everything through the API; the views carried
// by bus events are always masked, so no account or ID number travels on
// the bus (the same rule as casefile's events).

// maskValue masks one field value by the field's nature.
func maskValue(field, v string) string {
	switch field {
	case "account_no", "id_number":
		return casefile.MaskMiddle(v, 4, 4)
	case "registry_no":
		return casefile.MaskMiddle(v, 0, 4)
	case "plate":
		return casefile.MaskMiddle(v, 2, 2)
	case "address":
		r := []rune(v)
		if len(r) <= 6 {
			return strings.Repeat("*", len(r))
		}
		return string(r[:6]) + "****"
	}
	return casefile.MaskMiddle(v, 2, 2)
}

// coarse rounds a position to 0.001° for the parties.
func coarse(p *Position) *Position {
	if p == nil {
		return nil
	}
	round := func(v int64) int64 {
		if v < 0 {
			return -(((-v) + 500) / 1000 * 1000)
		}
		return (v + 500) / 1000 * 1000
	}
	return &Position{LatE6: round(p.LatE6), LonE6: round(p.LonE6), AccuracyM: max(p.AccuracyM, 100)}
}

// view returns node n of kind k as audience sees it, or nil when that
// audience may not see it (not in the kind's audience, or a delayed node
// not yet disclosed to the parties). full gives staff the unmasked node;
// views for the bus are built with full false.
func (s *Service) view(n Node, k Kind, audience string, full bool) *NodeView {
	if !k.Sees(audience) || (audience != Staff && !n.Disclosed) {
		return nil
	}
	unmasked := full && audience == Staff
	v := &NodeView{ID: n.ID, CaseID: n.CaseID, Seq: n.Seq, Kind: n.Kind, NameZH: k.NameZH, NameEN: k.NameEN,
		Category: k.Category, Text: n.Text, AmountFen: n.AmountFen, Fields: []FieldValue{}, DeviceAt: n.DeviceAt,
		RecordedAt: n.RecordedAt, Disclosed: n.Disclosed, Attachments: n.Attachments}
	if v.Attachments == nil {
		v.Attachments = []Attachment{}
	}
	if n.AmountFen > 0 {
		v.Amount = money.Fen(n.AmountFen).Yuan()
	}
	names := s.cat.FieldNames
	for _, f := range names {
		val, ok := n.Fields[f]
		if !ok || val == "" {
			continue
		}
		fv := FieldValue{Name: f, LabelZH: fieldLabels[f][0], LabelEN: fieldLabels[f][1], Value: val}
		if !unmasked && k.masked(f) {
			fv.Value, fv.Masked = maskValue(f, val), true
		}
		v.Fields = append(v.Fields, fv)
	}
	if unmasked {
		v.Position = n.Position
	} else {
		v.Position = coarse(n.Position)
	}
	return v
}

// views returns the bus views of n: one per audience that sees it now.
func (s *Service) views(n Node, k Kind) map[string]*NodeView {
	out := map[string]*NodeView{}
	for _, a := range Audiences {
		if v := s.view(n, k, a, false); v != nil {
			out[a] = v
		}
	}
	return out
}

// fieldLabels are the zh and en labels of the node fields, carried in the
// views so that live pages need no catalogue of their own. The message
// bundle holds the same labels ("enforcement.field.<name>").
var fieldLabels = map[string][2]string{
	"bank":             {"开户行", "Bank"},
	"account_no":       {"账号", "Account number"},
	"id_number":        {"证件号码", "ID number"},
	"address":          {"地址", "Address"},
	"property":         {"财产", "Property"},
	"registry_no":      {"登记编号", "Registry number"},
	"plate":            {"号牌", "Plate number"},
	"platform":         {"支付平台", "Payment platform"},
	"securities_firm":  {"证券公司", "Securities firm"},
	"payee":            {"收款人", "Payee"},
	"document_no":      {"文书编号", "Document number"},
	"valuer":           {"评估机构", "Valuer"},
	"auction_platform": {"拍卖平台", "Auction platform"},
	"days":             {"天数", "Days"},
	"reason":           {"理由", "Reason"},
	"note":             {"说明", "Note"},
}
