package transcript_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/transcript"
)

// record writes a short hearing and closes it for signing.
func (f *fixture) closeRecord(t *testing.T) transcript.Record {
	t.Helper()
	f.start(t)
	sys := transcript.AsSystem(f.as(""), "system:hearing")
	if _, err := f.s.Mark(sys, hearing, transcript.MarkOpen, t0); err != nil {
		t.Fatal(err)
	}
	f.add(t, "审判员", "现在开庭。")
	f.add(t, "原告", "请求判令被告归还借款50000元。")
	f.add(t, "被告", "借款属实，已还10000元。")
	if _, err := f.s.Mark(sys, hearing, transcript.MarkClose, t0.Add(40*time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.clk.Advance(45 * time.Minute)
	r, err := f.s.CloseForSigning(f.as("u-clerk"), hearing, signers)
	if err != nil {
		t.Fatalf("CloseForSigning: %v", err)
	}
	f.runJobs(t) // sends the codes
	return r
}

func (f *fixture) sign(t *testing.T, user string) transcript.Record {
	t.Helper()
	r, err := f.s.Sign(f.as(user), hearing, f.codes.code(t, user))
	if err != nil {
		t.Fatalf("Sign as %s: %v", user, err)
	}
	return r
}

func TestSigningFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		r := f.closeRecord(t)
		if r.State != transcript.Signing || r.Round != 1 || len(r.Signers) != len(signers) {
			t.Fatalf("closed record %+v", r)
		}
		for _, sp := range signers {
			if n := f.codes.sentTo(sp.AccountID); n != 1 {
				t.Errorf("%d codes sent to %s, want 1", n, sp.AccountID)
			}
		}
		// No writing while the record is being signed.
		_, err := f.s.Append(f.as("u-clerk"), hearing, transcript.NewEntry{Speaker: "原告", Text: "补充"})
		wantCode(t, err, errs.Conflict, "transcript.error.state_signing")
		// A wrong code is refused and changes nothing; a stranger is no signer.
		_, err = f.s.Sign(f.as("u-party"), hearing, "000000")
		wantField(t, err, "code", "code_wrong")
		if got := f.find(t, "u-party"); got.MyState != transcript.Pending {
			t.Errorf("after a wrong code: %s", got.MyState)
		}
		_, err = f.s.Sign(f.as("u-stranger"), hearing, "123456")
		wantCode(t, err, errs.NotFound, "")
		// A code of another signer does not work for me.
		_, err = f.s.Sign(f.as("u-party"), hearing, f.codes.code(t, "u-defendant"))
		wantField(t, err, "code", "code_wrong")

		for _, u := range []string{"u-party", "u-lawyer", "u-judge", "u-clerk"} {
			if got := f.sign(t, u); got.State != transcript.Signing || got.MyState != transcript.Signed {
				t.Fatalf("after %s signed: %s / %s", u, got.State, got.MyState)
			}
		}
		_, err = f.s.Sign(f.as("u-party"), hearing, "100001")
		wantCode(t, err, errs.Conflict, "transcript.error.already_signed")
		final := f.sign(t, "u-defendant")
		if final.State != transcript.Final || final.FinalAt == nil {
			t.Fatalf("after the last signature: %+v", final)
		}
		if f.events(t, transcript.EventFinal) != 1 {
			t.Error("no finalized event")
		}
		// Issued off the request path, once.
		if f.issuer.calls != 0 {
			t.Fatal("issued on the request path")
		}
		f.runJobs(t)
		if f.issuer.calls != 1 {
			t.Fatalf("issuer called %d times, want 1", f.issuer.calls)
		}
		if !bytes.HasPrefix(f.issuer.pdf, []byte("%PDF-")) {
			t.Error("the issuer did not get a renderable record")
		}
		body := f.issuer.doc.Body.(*render.HearingRecord)
		if f.issuer.doc.Kind() != render.KindHearingRecord || f.issuer.doc.CaseNumber != f.c.Number || len(body.Entries) != 5 ||
			len(body.Panel) != 1 || len(body.Clerks) != 1 || len(body.Participants) != 3 || len(body.Signatures) != 5 ||
			!body.OpenedAt.Equal(t0) || !body.ClosedAt.Equal(t0.Add(40*time.Minute)) || body.Entries[0].Text != "开庭" {
			t.Errorf("document %+v\nbody %+v", f.issuer.doc, body)
		}
		got := f.find(t, "u-defendant")
		if got.Document == nil || got.Document.Code != "REC0001" {
			t.Errorf("document ref %+v", got.Document)
		}
		if f.events(t, transcript.EventIssued) != 1 {
			t.Error("no issued event")
		}
		// Nothing runs again.
		f.runJobs(t)
		if f.issuer.calls != 1 {
			t.Errorf("issuer called %d times after a second run", f.issuer.calls)
		}
		_, err = f.s.Reopen(f.as("u-clerk"), hearing, "再改")
		wantCode(t, err, errs.Conflict, "transcript.error.state_final")
	})
}

func TestIssueRetriesAreIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.closeRecord(t)
		f.issuer.fail = 1
		for _, sp := range signers {
			f.sign(t, sp.AccountID)
		}
		f.runJobs(t) // the first attempt fails and is retried later
		if f.issuer.calls != 1 || f.find(t, "u-clerk").Document != nil {
			t.Fatalf("calls %d after a failure", f.issuer.calls)
		}
		f.clk.Advance(time.Hour)
		f.runJobs(t)
		r := f.find(t, "u-clerk")
		if f.issuer.calls != 2 || r.Document == nil || len(f.issuer.byKey) != 1 {
			t.Fatalf("calls %d, documents %d, ref %+v", f.issuer.calls, len(f.issuer.byKey), r.Document)
		}
	})
}

func TestObjectionReopenInvalidatesSignatures(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.closeRecord(t)
		f.sign(t, "u-party")
		f.sign(t, "u-judge")
		r, err := f.s.Object(f.as("u-defendant"), hearing, "我说的是已还10000元，不是1000元。")
		if err != nil {
			t.Fatal(err)
		}
		if r.MyState != transcript.Objected || len(r.Objections) != 1 || r.Objections[0].Role != "被告" {
			t.Fatalf("after the objection %+v", r)
		}
		_, err = f.s.Object(f.as("u-defendant"), hearing, " ")
		wantField(t, err, "text", "required")
		_, err = f.s.Reopen(f.as("u-party"), hearing, "x")
		wantCode(t, err, errs.Forbidden, "")
		r, err = f.s.Reopen(f.as("u-clerk"), hearing, "被告申请补正")
		if err != nil {
			t.Fatal(err)
		}
		if r.State != transcript.Open {
			t.Fatalf("reopened state %s", r.State)
		}
		// Codes of the void round no longer sign.
		_, err = f.s.Sign(f.as("u-lawyer"), hearing, f.codes.code(t, "u-lawyer"))
		wantCode(t, err, errs.Conflict, "transcript.error.state_open")
		e := f.find(t, "u-clerk").Entries[3]
		if _, err := f.s.Edit(f.as("u-clerk"), hearing, e.ID, transcript.EntryEdit{Speaker: "被告", Text: "借款属实，已还10000元。"}); err != nil {
			t.Fatal(err)
		}
		r, err = f.s.CloseForSigning(f.as("u-clerk"), hearing, signers)
		if err != nil {
			t.Fatal(err)
		}
		f.runJobs(t)
		if r.Round != 2 {
			t.Errorf("round %d", r.Round)
		}
		for _, sg := range r.Signers {
			if sg.State != transcript.Pending {
				t.Errorf("%s is %s in the new round, want pending", sg.AccountID, sg.State)
			}
		}
		if n := f.codes.sentTo("u-party"); n != 2 {
			t.Errorf("%d codes sent to the plaintiff, want 2 (asked again)", n)
		}
		// The objection stays with the record.
		if got := f.find(t, "u-party"); len(got.Objections) != 1 || got.Objections[0].Round != 1 {
			t.Errorf("objections %+v", got.Objections)
		}
		for _, sp := range signers {
			f.sign(t, sp.AccountID)
		}
		f.runJobs(t)
		if f.issuer.calls != 1 || len(f.issuer.doc.Body.(*render.HearingRecord).Objections) != 1 {
			t.Errorf("issuer calls %d", f.issuer.calls)
		}
	})
}

func TestRefusalLetsItFinalize(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.closeRecord(t)
		for _, u := range []string{"u-party", "u-lawyer", "u-judge", "u-clerk"} {
			f.sign(t, u)
		}
		_, err := f.s.Refuse(f.as("u-defendant"), hearing, "u-defendant", "不签")
		wantCode(t, err, errs.Forbidden, "transcript.error.not_writer")
		_, err = f.s.Refuse(f.as("u-clerk"), hearing, "u-stranger", "不签")
		wantField(t, err, "account_id", "not_a_signer")
		_, err = f.s.Refuse(f.as("u-clerk"), hearing, "u-party", "不签")
		wantCode(t, err, errs.Conflict, "transcript.error.already_signed")
		_, err = f.s.Refuse(f.as("u-clerk"), hearing, "u-defendant", "")
		wantField(t, err, "reason", "required")
		r, err := f.s.Refuse(f.as("u-clerk"), hearing, "u-defendant", "被告当庭拒绝签名，经释明仍拒绝。")
		if err != nil {
			t.Fatal(err)
		}
		if r.State != transcript.Final {
			t.Fatalf("state %s after the refusal", r.State)
		}
		f.runJobs(t)
		if f.issuer.calls != 1 {
			t.Fatalf("issuer calls %d", f.issuer.calls)
		}
		sg := f.issuer.doc.Body.(*render.HearingRecord).Signatures[4]
		if !sg.Refused || !strings.Contains(sg.Reason, "拒绝签名") {
			t.Errorf("refusal in the document %+v", sg)
		}
	})
}

func TestCloseValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		_, err := f.s.CloseForSigning(f.as("u-clerk"), hearing, nil)
		wantField(t, err, "signers", "required")
		_, err = f.s.CloseForSigning(f.as("u-clerk"), hearing, []transcript.SignerSpec{signers[0], signers[0]})
		wantField(t, err, "signers[1].account_id", "duplicate")
		_, err = f.s.CloseForSigning(f.as("u-party"), hearing, signers)
		wantCode(t, err, errs.Forbidden, "")
		if r := f.find(t, "u-clerk"); r.State != transcript.Open || r.Round != 0 {
			t.Errorf("record changed: %+v", r)
		}
		_, err = f.s.Sign(f.as("u-party"), hearing, "123456")
		wantCode(t, err, errs.Conflict, "transcript.error.state_open")
	})
}

func TestCloseNeedsJudgeAndClerk(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		f.start(t)
		_, err := f.s.CloseForSigning(f.as("u-clerk"), hearing, signers[2:])
		wantField(t, err, "signers", "need_judge_and_clerk")
	})
}
