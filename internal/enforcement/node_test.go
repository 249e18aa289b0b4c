package enforcement_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestCatalogue: the embedded catalogue loads, covers every category of
// 法发〔2014〕18号 Art. 3 and every kind the issue lists, lets staff see
// every kind, keeps preservation-type measures until carried out, and the
// loader refuses bad data.
func TestCatalogue(t *testing.T) {
	c := enforcement.DefaultCatalogue()
	if c.Version == "" || !c.Effective.Valid() {
		t.Fatalf("version %q effective %v", c.Version, c.Effective)
	}
	for _, cat := range enforcement.Categories {
		if !slices.ContainsFunc(c.Kinds, func(k enforcement.Kind) bool { return k.Category == cat }) {
			t.Errorf("no kind in category %s", cat)
		}
	}
	for _, code := range []string{"case_filed", "officers_assigned", "notice_served", "property_report_order", "search_bank",
		"search_real_estate", "search_vehicle", "search_securities", "search_online_payment", "seizure", "freeze", "deduction",
		"detention_goods", "valuation", "auction", "consumption_restriction", "dishonest_listing", "fine", "judicial_detention",
		"money_received", "money_paid", "settlement", "suspension", "termination_round", "resumption", "closure"} {
		k, ok := c.Kind(code)
		if !ok {
			t.Errorf("no kind %s", code)
			continue
		}
		if !k.Sees(enforcement.Staff) || !k.Sees(enforcement.Applicant) || k.NameZH == "" || k.NameEN == "" || k.Article == "" {
			t.Errorf("kind %s: %+v", code, k)
		}
	}
	for _, code := range []string{"seizure", "freeze", "deduction", "detention_goods"} {
		if k, _ := c.Kind(code); !k.Delayed {
			t.Errorf("%s is not kept until carried out", code)
		}
	}
	// Searches are the applicant's business; the debtor must not be warned.
	if k, _ := c.Kind("search_bank"); k.Sees(enforcement.Respondent) || !slices.Contains(k.Mask, "account_no") {
		t.Errorf("search_bank: %+v", k)
	}
	bad := []string{
		`{"version":"x","effective":"2014-09-03","fields":["note"],"kinds":[{"code":"a_b","zh":"甲","en":"A","category":"filing","audience":["applicant"]}]}`,
		`{"version":"x","effective":"2014-09-03","fields":["note"],"kinds":[{"code":"a_b","zh":"甲","en":"A","category":"filing","audience":["staff"],"fields":["bank"]}]}`,
		`{"version":"x","effective":"2014-09-03","fields":["note"],"kinds":[{"code":"a_b","zh":"甲","en":"A","category":"nope","audience":["staff"]}]}`,
		`{"version":"x","effective":"2014-09-03","fields":[],"kinds":[{"code":"a","zh":"甲","en":"A","category":"filing","audience":["staff"]},{"code":"a","zh":"甲","en":"A","category":"filing","audience":["staff"]}]}`,
	}
	for i, b := range bad {
		if _, err := enforcement.LoadCatalogue(strings.NewReader(b)); err == nil {
			t.Errorf("bad catalogue %d loaded", i)
		}
	}
}

// TestNodeMasking: a freeze (kept until carried out) is seen by staff
// only, and its bus event carries only a masked staff view; once disclosed
// both sides see it with the account number masked and the position
// rounded, while staff read it whole through the API; a bank search never
// reaches the debtor.
func TestNodeMasking(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		dev := t0.Add(-2 * time.Minute)
		n, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "freeze", Text: "冻结被执行人银行存款",
			AmountFen: 5_000_000, Fields: map[string]string{"bank": "中国工商银行象山支行", "account_no": "6222021234567890123", "document_no": "（2026）浙0225执1号之一"},
			Position: &enforcement.Position{LatE6: 29_476_543, LonE6: 121_869_876, AccuracyM: 12}, DeviceAt: &dev})
		if err != nil {
			t.Fatalf("RecordNode: %v", err)
		}
		if n.Disclosed || n.Seq != 3 {
			t.Errorf("node: disclosed %v seq %d", n.Disclosed, n.Seq)
		}
		seen := func(who string) []enforcement.NodeView {
			t.Helper()
			vs, err := f.s.Nodes(f.as(who), r.CaseID)
			if err != nil {
				t.Fatal(err)
			}
			return slices.DeleteFunc(vs, func(v enforcement.NodeView) bool { return v.Kind != "freeze" })
		}
		if len(seen("u-applicant")) != 0 || len(seen("u-debtor")) != 0 {
			t.Errorf("an undisclosed freeze reached a party")
		}
		staffView := seen("u-officer2")
		if len(staffView) != 1 || fieldValue(staffView[0], "account_no") != "6222021234567890123" || staffView[0].Position.LatE6 != 29_476_543 {
			t.Errorf("staff view = %+v", staffView)
		}
		evs := f.outbox(t, enforcement.EventNodeRecorded)
		var p enforcement.NodeEvent
		if err := json.Unmarshal(evs[len(evs)-1].Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.Views[enforcement.Applicant] != nil || p.Views[enforcement.Respondent] != nil || p.Views[enforcement.Staff] == nil {
			t.Errorf("event views = %v", p.Views)
		}
		if bytes.Contains(evs[len(evs)-1].Payload, []byte("6222021234567890123")) {
			t.Errorf("the account number travels on the bus")
		}
		if len(f.notices.take()) != 0 {
			t.Errorf("parties notified of an undisclosed freeze")
		}
		if _, err := f.s.Disclose(f.as("u-applicant"), n.ID); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Disclose by the applicant: %v", err)
		}
		if _, err := f.s.Disclose(f.as("u-officer2"), n.ID); err != nil {
			t.Fatalf("Disclose: %v", err)
		}
		for _, who := range []string{"u-applicant", "u-debtor"} {
			v := seen(who)
			if len(v) != 1 {
				t.Fatalf("%s sees %d freezes", who, len(v))
			}
			if got, want := fieldValue(v[0], "account_no"), "6222***********0123"; got != want {
				t.Errorf("%s: account %q, want %q", who, got, want)
			}
			if fieldValue(v[0], "bank") != "中国工商银行象山支行" || v[0].Amount != "50000.00" {
				t.Errorf("%s: %+v", who, v[0])
			}
			if pos := v[0].Position; pos == nil || pos.LatE6 != 29_477_000 || pos.LonE6 != 121_870_000 || pos.AccuracyM != 100 {
				t.Errorf("%s: position %+v", who, pos)
			}
		}
		if ns := f.notices.take(); len(ns) != 2 {
			t.Errorf("notices after disclosure = %d, want 2", len(ns))
		}
		// A bank search: the applicant and staff, never the debtor.
		if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "search_bank", Text: "网络查控：查询到存款账户2个"}); err != nil {
			t.Fatal(err)
		}
		has := func(who string) bool {
			vs, _ := f.s.Nodes(f.as(who), r.CaseID)
			return slices.ContainsFunc(vs, func(v enforcement.NodeView) bool { return v.Kind == "search_bank" })
		}
		if !has("u-applicant") || has("u-debtor") || !has("u-officer") {
			t.Errorf("search_bank audience: applicant %v debtor %v officer %v", has("u-applicant"), has("u-debtor"), has("u-officer"))
		}
		ns := f.notices.take()
		if len(ns) != 1 || ns[0].Recipients[0].AccountID != "u-applicant" || ns[0].Recipients[0].SMS {
			t.Errorf("search notices = %+v (a search goes to the inbox only)", ns)
		}
	})
}

func fieldValue(v enforcement.NodeView, name string) string {
	for _, f := range v.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestRecordNodeRefusals: bad input is refused field by field and writes
// nothing; only the case's officers (and court administrators) record.
func TestRecordNodeRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		before := f.count(t, "enforcement_node")
		future := t0.Add(48 * time.Hour)
		_, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "seizure", AmountFen: -1,
			Fields: map[string]string{"plate": "浙B12345", "bogus": "x"}, Position: &enforcement.Position{LatE6: 91_000_000, LonE6: 0},
			DeviceAt: &future, Files: []enforcement.File{{Name: "a.txt", Body: strings.NewReader("hello")}}})
		got := fieldCodes(err)
		for field, code := range map[string]string{"amount_fen": "enforcement_amount", "fields.bogus": "enforcement_field_unknown",
			"fields.plate": "enforcement_field_unknown", "lat": "enforcement_position", "device_at": "enforcement_device_time"} {
			if got[field] != code {
				t.Errorf("%s: %q, want %q (all %v)", field, got[field], code, got)
			}
		}
		_, err = f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "site_visit",
			Files: []enforcement.File{{Name: "a.jpg", Body: strings.NewReader("not a picture")}}})
		if fieldCodes(err)["files"] != "enforcement_file_type" {
			t.Errorf("text as a photo: %v", err)
		}
		if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "nope"}); fieldCodes(err)["kind"] != "enforcement_kind_unknown" {
			t.Errorf("unknown kind: %v", err)
		}
		for who, want := range map[string]errs.Code{"u-officer3": errs.Forbidden, "u-applicant": errs.Forbidden, "u-stranger": errs.NotFound} {
			if _, err := f.s.RecordNode(f.as(who), r.CaseID, enforcement.NodeInput{Kind: "other", Text: "x"}); errs.CodeOf(err) != want {
				t.Errorf("%s: %v, want %s", who, err, want)
			}
		}
		if _, err := f.s.RecordNode(f.as("u-admin"), r.CaseID, enforcement.NodeInput{Kind: "other", Text: "院长督办"}); err != nil {
			t.Errorf("court administrator: %v", err)
		}
		if got := f.count(t, "enforcement_node"); got != before+1 {
			t.Errorf("nodes = %d, want %d", got, before+1)
		}
	})
}

// TestCourtKinds: a court adds a kind of its own, used like a built-in one;
// it cannot take a built-in code; other courts do not have it.
func TestCourtKinds(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		in := enforcement.KindInput{Code: "night_action", NameZH: "夜间集中执行", NameEN: "Night-time enforcement", Category: "measure",
			Audience: []string{enforcement.Applicant}, Mask: []string{"address"}, SMS: true}
		if _, err := f.s.AddKind(f.as("u-officer"), f.courtID, in); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("officer adds a kind: %v", err)
		}
		k, err := f.s.AddKind(f.as("u-admin"), f.courtID, in)
		if err != nil || !k.Sees(enforcement.Staff) {
			t.Fatalf("AddKind: %+v %v", k, err)
		}
		in.Code = "freeze"
		if _, err := f.s.AddKind(f.as("u-admin"), f.courtID, in); fieldCodes(err)["code"] != "enforcement_kind_taken" {
			t.Errorf("built-in code: %v", err)
		}
		if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "night_action", Text: "凌晨集中行动",
			Fields: map[string]string{"address": "浙江省宁波市象山县石浦镇2号"}}); err != nil {
			t.Fatal(err)
		}
		vs, _ := f.s.Nodes(f.as("u-applicant"), r.CaseID)
		last := vs[len(vs)-1]
		if last.Kind != "night_action" || fieldValue(last, "address") != "浙江省宁波市****" {
			t.Errorf("applicant view = %+v", last)
		}
		ks, err := f.s.Kinds(f.as("u-officer"), f.higherID)
		if err != nil || slices.ContainsFunc(ks, func(k enforcement.Kind) bool { return k.Code == "night_action" }) {
			t.Errorf("another court has the kind: %v", err)
		}
	})
}

// TestRouteNode: each audience that may see a node gets its own view on
// its own topic; other events give nothing.
func TestRouteNode(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.opened(t)
		if _, err := f.s.RecordNode(f.as("u-officer"), r.CaseID, enforcement.NodeInput{Kind: "search_bank", Text: "查询",
			Fields: map[string]string{"account_no": "6222021234567890123"}}); err != nil {
			t.Fatal(err)
		}
		evs := f.outbox(t, enforcement.EventNodeRecorded)
		ev := evs[len(evs)-1]
		routed := enforcement.RouteNode(ev)
		var topics []string
		for _, x := range routed {
			topics = append(topics, x.Topic)
			if x.Msg.Event != enforcement.LiveEvent || x.Msg.ID != ev.ID || bytes.Contains(x.Msg.Data, []byte("6222021234567890123")) {
				t.Errorf("message %s: %+v", x.Topic, x.Msg)
			}
		}
		want := []string{enforcement.Topic(r.CaseID, "applicant"), enforcement.Topic(r.CaseID, "staff")}
		if !slices.Equal(topics, want) {
			t.Errorf("topics = %v, want %v", topics, want)
		}
		if got := enforcement.RouteNode(bus.Event{Type: enforcement.EventLeadSubmitted, Payload: ev.Payload}); got != nil {
			t.Errorf("lead event routed: %v", got)
		}
		if got := enforcement.RouteNode(bus.Event{Type: enforcement.EventNodeRecorded, Payload: []byte(`{`)}); got != nil {
			t.Errorf("bad payload routed: %v", got)
		}
		// The caller's topics: by side.
		for who, want := range map[string][]string{
			"u-applicant": {enforcement.Topic(r.CaseID, "applicant")},
			"u-debtor":    {enforcement.Topic(r.CaseID, "respondent")},
			"u-officer":   {enforcement.Topic(r.CaseID, "staff")},
		} {
			got, err := f.s.LiveTopics(f.as(who), "")
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s topics = %v, %v; want %v", who, got, err, want)
			}
		}
		if _, err := f.s.LiveTopics(f.as("u-stranger"), r.CaseID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("stranger: %v", err)
		}
		_ = context.Background()
	})
}
