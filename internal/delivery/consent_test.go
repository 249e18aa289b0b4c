package delivery_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestExplicitConsent: a signed 送达地址确认书 is basis (一); the service
// goes to the chosen addresses, the inbox is one of them, and the decision
// says so.
func TestExplicitConsent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		k := f.consent(t, c, true, false, inboxAddr, smsAddr, emailAddr)
		if k.Version != 1 || k.How != delivery.HowPlatform || len(k.Channels) != 3 || k.Channels[0].Address != "u-defendant" {
			t.Fatalf("consent = %+v", k)
		}
		r := f.serve(t, c, doc(delivery.DocNotice, false), false)
		if r.Status != delivery.Sending || !r.Decision.Allowed {
			t.Fatalf("record = %+v", r)
		}
		if len(r.Decision.Bases) != 1 || r.Decision.Bases[0].Kind != delivery.BasisExplicit || r.Decision.Bases[0].Version != 1 {
			t.Errorf("bases = %+v", r.Decision.Bases)
		}
		a := r.Attempts[0]
		var got []string
		for _, ch := range a.Channels {
			got = append(got, string(ch.Channel)+"="+ch.Address)
			if !ch.Valid {
				t.Errorf("channel %s not valid", ch.Channel)
			}
		}
		want := []string{"inbox=u-defendant", "sms=13800001234", "email=lisi@example.com"}
		if !slices.Equal(got, want) {
			t.Errorf("channels = %v, want %v", got, want)
		}
		out := f.n.all()
		if len(out) != 1 || out[0].Ref != a.Ref || out[0].RecipientAccount != "u-defendant" || out[0].Addresses[delivery.Email] != "lisi@example.com" ||
			out[0].Template != delivery.TemplateService || !strings.Contains(out[0].Data["court_name"], "象山") || out[0].Data["case_number"] != c.Number {
			t.Errorf("notified %+v", out)
		}
		if n := f.events(t, "ecourt.delivery.service.requested", c.ID); n != 1 {
			t.Errorf("%d requested events", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'delivery.service.serve' AND case_id = ?`, c.ID); n != 1 {
			t.Errorf("%d serve audit entries", n)
		}
		// The timeline entry arrives through its job.
		f.runJobs(t)
		tl, err := f.cases.Timeline(f.as("u-defendant"), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(tl, func(e casefile.Event) bool { return e.Type == delivery.TimelineRequested }) {
			t.Errorf("no %s on the timeline", delivery.TimelineRequested)
		}
	})
}

// TestDeemedConsent: each of the facts of Online Litigation Rules Art. 29
// para 2 (二)–(四), recorded by the clerk, makes electronic service of a
// notice lawful to the address it names, with the case and fact shown; it
// does not reach a judgment.
func TestDeemedConsent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		cases := []struct {
			kind delivery.BasisKind
			fact string
			addr delivery.Address
		}{
			{delivery.BasisAgreement, "借款合同第十二条约定：因本合同发生争议，法院可向 lisi@example.com 电子送达", emailAddr},
			{delivery.BasisPleading, "答辩状第一页载明接收送达的手机号码", smsAddr},
			{delivery.BasisAccepted, "2026-02-20 以短信送达举证通知书，当事人回复“已收到”并按期举证", smsAddr},
		}
		for _, tc := range cases {
			c := f.newCase(t, casefile.Ordinary)
			b, err := f.s.RecordBasis(f.as("u-clerk"), c.ID, delivery.NewBasis{PartyID: defendant(c), Kind: tc.kind, Fact: tc.fact,
				SourceRef: "evidence-7", Channels: []delivery.Address{tc.addr}})
			if err != nil {
				t.Fatalf("%s: RecordBasis: %v", tc.kind, err)
			}
			if b.Article == "" {
				t.Errorf("%s: no article", tc.kind)
			}
			// The same fact from the same source again: recorded once.
			again, err := f.s.RecordBasis(f.as("u-clerk"), c.ID, delivery.NewBasis{PartyID: defendant(c), Kind: tc.kind, Fact: tc.fact,
				SourceRef: "evidence-7", Channels: []delivery.Address{tc.addr}})
			if err != nil || again.ID != b.ID {
				t.Errorf("%s: repeated basis %s (%v), want the first %s", tc.kind, again.ID, err, b.ID)
			}
			r := f.serve(t, c, doc(delivery.DocNotice, false), false)
			if r.Status != delivery.Sending || len(r.Decision.Bases) != 1 {
				t.Fatalf("%s: record %+v", tc.kind, r)
			}
			got := r.Decision.Bases[0]
			if got.Kind != tc.kind || got.Fact != tc.fact || got.SourceID != b.ID || got.SourceRef != "evidence-7" {
				t.Errorf("%s: basis = %+v", tc.kind, got)
			}
			valid := map[delivery.Channel]string{}
			for _, ch := range r.Attempts[0].Channels {
				if ch.Valid {
					valid[ch.Channel] = ch.Address
				} else if ch.Channel != delivery.Inbox {
					t.Errorf("%s: invalid channel %s", tc.kind, ch.Channel)
				}
			}
			if len(valid) != 1 || valid[tc.addr.Channel] != tc.addr.Address {
				t.Errorf("%s: valid channels %v", tc.kind, valid)
			}
			// A deemed basis is not the express consent a judgment needs.
			j := f.serve(t, c, doc(delivery.DocJudgment, true), false)
			if j.Status != delivery.Refused || j.Decision.Refusal != delivery.RefusalDecisive {
				t.Errorf("%s: judgment record %s %s", tc.kind, j.Status, j.Decision.Refusal)
			}
			// The clerk sees the position with the basis.
			v, err := f.s.FindConsent(f.as("u-clerk"), c.ID, defendant(c))
			if err != nil {
				t.Fatal(err)
			}
			if !v.Ordinary.Allowed || v.Decisive.Allowed || len(v.Bases) != 1 {
				t.Errorf("%s: view %+v", tc.kind, v)
			}
		}
	})
}

// TestNoConsentRefused: without consent or basis, electronic service is
// refused with the reason, a fallback task lists the methods, nothing is
// sent, and the failed event says why.
func TestNoConsentRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		r := f.serve(t, c, doc(delivery.DocNotice, false), false)
		if r.Status != delivery.Refused || r.Decision.Refusal != delivery.RefusalNoConsent || len(r.Attempts) != 0 {
			t.Fatalf("record = %+v", r)
		}
		if len(f.n.all()) != 0 {
			t.Errorf("something was sent: %+v", f.n.all())
		}
		ts := f.tasks(t, c)
		if len(ts) != 1 || ts[0].Kind != delivery.TaskFallback || ts[0].Reason != delivery.RefusalNoConsent ||
			ts[0].AssigneeID != "u-clerk" || ts[0].ServiceID != r.ID || ts[0].Status != delivery.TaskOpen {
			t.Fatalf("tasks = %+v", ts)
		}
		want := []delivery.Method{delivery.Direct, delivery.Post, delivery.LeftAtPlace, delivery.Announcement}
		if !slices.Equal(ts[0].Options, want) {
			t.Errorf("options = %v, want %v", ts[0].Options, want)
		}
		if n := f.events(t, "ecourt.delivery.service.failed", c.ID); n != 1 {
			t.Errorf("%d failed events", n)
		}
		if n := f.events(t, "ecourt.delivery.task.created", c.ID); n != 1 {
			t.Errorf("%d task events", n)
		}
		mine, err := f.s.MyTasks(f.as("u-clerk"))
		if err != nil || len(mine) != 1 || mine[0].DocumentTitle == "" || mine[0].RecipientName != "李四" {
			t.Errorf("MyTasks = %+v, %v", mine, err)
		}
		// Resending is refused for the same reason until consent exists.
		_, err = f.s.Resend(f.as("u-clerk"), r.ID)
		wantCode(t, err, errs.Conflict, "delivery.refusal.no_consent")
		f.consent(t, c, true, false, smsAddr)
		r2, err := f.s.Resend(f.as("u-clerk"), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Status != delivery.Sending || len(r2.Attempts) != 1 || r2.Attempts[0].Seq != 1 {
			t.Fatalf("after resend: %+v", r2)
		}
		f.sent(t, r2.Attempts[0].Ref, delivery.SMS, t0)
		if got := f.record(t, r.ID); got.Status != delivery.Served {
			t.Errorf("status %s", got.Status)
		}
		if ts := f.tasks(t, c); ts[0].Status != delivery.TaskDone || ts[0].Outcome != "served:electronic" {
			t.Errorf("task after service: %+v", ts[0])
		}
	})
}

// TestConsentChangeAppliesLater: a new version of the 送达地址确认书 applies
// to services made after it; records made before keep their basis and
// addresses, and an explicit "no" wins over an earlier deemed basis.
func TestConsentChangeAppliesLater(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, false, smsAddr)
		r1 := f.serve(t, c, doc(delivery.DocNotice, false), false)
		k2 := f.consent(t, c, true, false, emailAddr)
		if k2.Version != 2 {
			t.Fatalf("version %d", k2.Version)
		}
		r2 := f.serve(t, c, doc(delivery.DocNotice, false), false)
		if v := r2.Decision.ConsentVersion; v != 2 {
			t.Errorf("second service read version %d", v)
		}
		if got := validChannels(r2); !slices.Equal(got, []delivery.Channel{delivery.Email}) {
			t.Errorf("second service channels %v", got)
		}
		// The first record is untouched, and its SMS success still counts.
		f.sent(t, ref(t, r1, 1), delivery.SMS, t0)
		got1 := f.record(t, r1.ID)
		if got1.Decision.ConsentVersion != 1 || got1.Status != delivery.Served || got1.ServedChannel != delivery.SMS {
			t.Errorf("first record after the change: %+v", got1)
		}
		// A basis recorded, then an explicit refusal: refused.
		if _, err := f.s.RecordBasis(f.as("u-judge"), c.ID, delivery.NewBasis{PartyID: defendant(c), Kind: delivery.BasisPleading,
			Fact: "答辩状载明邮箱", Channels: []delivery.Address{emailAddr}}); err != nil {
			t.Fatal(err)
		}
		f.consent(t, c, false, false)
		r3 := f.serve(t, c, doc(delivery.DocNotice, false), false)
		if r3.Status != delivery.Refused || r3.Decision.Refusal != delivery.RefusalDeclined || r3.Decision.ConsentVersion != 3 {
			t.Errorf("after refusal: %s %s v%d", r3.Status, r3.Decision.Refusal, r3.Decision.ConsentVersion)
		}
		v, err := f.s.FindConsent(f.as("u-defendant"), c.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if v.Current == nil || v.Current.Version != 3 || len(v.History) != 3 || v.Ordinary.Allowed {
			t.Errorf("view = %+v", v)
		}
	})
}

// TestDecisiveNeedsJudgmentConsent: consent without the judgments box
// serves notices but not judgments, rulings or mediation documents.
func TestDecisiveNeedsJudgmentConsent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		f.consent(t, c, true, false, smsAddr)
		if r := f.serve(t, c, doc(delivery.DocNotice, false), false); r.Status != delivery.Sending {
			t.Errorf("notice: %s", r.Status)
		}
		for _, kind := range []delivery.DocumentKind{delivery.DocJudgment, delivery.DocRuling, delivery.DocMediation} {
			r := f.serve(t, c, doc(kind, false), false)
			if r.Status != delivery.Refused || r.Decision.Refusal != delivery.RefusalDecisive {
				t.Errorf("%s: %s %s", kind, r.Status, r.Decision.Refusal)
			}
		}
		// Mediation documents are never left at the residence (民诉法解释 Art. 133).
		for _, tk := range f.tasks(t, c) {
			if r := f.record(t, tk.ServiceID); r.Document.Kind == delivery.DocMediation && slices.Contains(tk.Options, delivery.LeftAtPlace) {
				t.Errorf("mediation task offers 留置: %v", tk.Options)
			}
		}
		f.consent(t, c, true, true, smsAddr)
		if r := f.serve(t, c, doc(delivery.DocJudgment, true), false); r.Status != delivery.Sending {
			t.Errorf("judgment with judgment consent: %s %s", r.Status, r.Decision.Refusal)
		}
	})
}

// TestConsentValidation: bad forms change nothing and name every field.
func TestConsentValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		_, err := f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{Electronic: true, Judgments: true,
			Channels: []delivery.Address{{Channel: delivery.SMS, Address: "12345"}, {Channel: delivery.Email, Address: "not-an-email"}}})
		wantField(t, err, "channels.sms", "mobile")
		wantField(t, err, "channels.email", "email")
		wantField(t, err, "acknowledged", "acknowledged")
		_, err = f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{Electronic: false, Judgments: true, Acknowledged: true})
		wantField(t, err, "judgments", "judgments_need_electronic")
		_, err = f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{Electronic: true, Acknowledged: true})
		wantField(t, err, "channels", "required")
		// A party cannot sign for the other side; a stranger sees nothing.
		_, err = f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{PartyID: plaintiff(c), Electronic: true,
			Channels: []delivery.Address{smsAddr}, Acknowledged: true})
		wantCode(t, err, errs.Forbidden, "")
		_, err = f.s.SignConsent(f.as("u-stranger"), c.ID, delivery.ConsentForm{Electronic: true, Channels: []delivery.Address{smsAddr}, Acknowledged: true})
		wantCode(t, err, errs.NotFound, "")
		// The clerk records a confirmation by telephone; on paper needs the scan.
		_, err = f.s.SignConsent(f.as("u-clerk"), c.ID, delivery.ConsentForm{PartyID: defendant(c), Electronic: true,
			Channels: []delivery.Address{smsAddr}, How: delivery.HowWritten, Acknowledged: true})
		wantField(t, err, "proof_ref", "required")
		if n := f.count(t, `SELECT COUNT(*) FROM delivery_consent`); n != 0 {
			t.Fatalf("%d consents after bad forms", n)
		}
		k, err := f.s.SignConsent(f.as("u-clerk"), c.ID, delivery.ConsentForm{PartyID: defendant(c), Electronic: true,
			Channels: []delivery.Address{inboxAddr, {Channel: delivery.SMS, Address: "138 0000 1234"}}, How: delivery.HowPhone, Acknowledged: true})
		if err != nil {
			t.Fatal(err)
		}
		if k.How != delivery.HowPhone || k.Channels[0].Address != "u-defendant" || k.Channels[1].Address != "13800001234" {
			t.Errorf("clerk's record: %+v", k)
		}
		// The lawyer signs for the plaintiff with the lawyer's own inbox.
		k, err = f.s.SignConsent(f.as("u-lawyer"), c.ID, delivery.ConsentForm{Electronic: true, Judgments: true,
			Channels: []delivery.Address{inboxAddr}, Acknowledged: true})
		if err != nil {
			t.Fatal(err)
		}
		if k.PartyID != plaintiff(c) || k.Channels[0].Address != "u-lawyer" {
			t.Errorf("lawyer's consent: %+v", k)
		}
		// Deemed bases need a fact and an address, and only staff record them.
		_, err = f.s.RecordBasis(f.as("u-clerk"), c.ID, delivery.NewBasis{PartyID: defendant(c), Kind: delivery.BasisExplicit})
		wantField(t, err, "kind", "basis_kind")
		wantField(t, err, "fact", "required")
		wantField(t, err, "channels", "required")
		_, err = f.s.RecordBasis(f.as("u-defendant"), c.ID, delivery.NewBasis{PartyID: defendant(c), Kind: delivery.BasisAgreement,
			Fact: "x", Channels: []delivery.Address{smsAddr}})
		wantCode(t, err, errs.Forbidden, "")
	})
}

func validChannels(r delivery.Record) []delivery.Channel {
	var out []delivery.Channel
	for _, ch := range r.Attempts[len(r.Attempts)-1].Channels {
		if ch.Valid {
			out = append(out, ch.Channel)
		}
	}
	return out
}
