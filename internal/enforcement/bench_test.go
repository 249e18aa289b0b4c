package enforcement_test

import (
	"encoding/json"
	"testing"

	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

// BenchmarkRecordNode records nodes on SQLite (each its own transaction:
// node, outbox event with the per-audience views, timeline job, notices,
// audit entry), the figure "nodes recorded per second" of the issue before
// the fan-out.
func BenchmarkRecordNode(b *testing.B) {
	clk := clock.NewFixed(t0)
	f := newFixture(b, sqldbtest.OpenSQLite(b, sqldbtest.Options{Clock: clk}, sets...), clk)
	r := f.opened(b)
	ctx := f.as("u-officer")
	in := enforcement.NodeInput{Kind: "freeze", Text: "冻结存款", CarriedOut: true, AmountFen: 1_000_000,
		Fields: map[string]string{"bank": "工商银行", "account_no": "6222021234567890123"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.s.RecordNode(ctx, r.CaseID, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteNode is the hub's per-event work for a node: decode the
// event and encode one message per audience (independent of the number of
// subscribers).
func BenchmarkRouteNode(b *testing.B) {
	v := &enforcement.NodeView{ID: "n", CaseID: "c", Kind: "freeze", NameZH: "冻结", NameEN: "Freezing", Text: "冻结存款",
		Fields:      []enforcement.FieldValue{{Name: "account_no", LabelZH: "账号", LabelEN: "Account number", Value: "6222***********0123", Masked: true}},
		Attachments: []enforcement.Attachment{}}
	p, _ := json.Marshal(enforcement.NodeEvent{CaseID: "c", NodeID: "n", Kind: "freeze",
		Views: map[string]*enforcement.NodeView{enforcement.Applicant: v, enforcement.Respondent: v, enforcement.Staff: v}})
	ev := bus.Event{ID: "e", Type: enforcement.EventNodeRecorded, Payload: p}
	b.ReportAllocs()
	for b.Loop() {
		if len(enforcement.RouteNode(ev)) != 3 {
			b.Fatal("not routed")
		}
	}
}
