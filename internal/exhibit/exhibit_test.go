package exhibit_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// TestSubmitChecksContent: a text file named .pdf is refused by content
// and nothing is stored; a real PDF is stored with its SHA-256 announced.
func TestSubmitChecksContent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Simplified)
		_, err := f.s.Submit(f.as("u-party"), c.ID, exhibit.Upload{Name: "借条", Purpose: "证明借款事实", FileName: "借条.pdf",
			Body: strings.NewReader("this is plain text, not a PDF at all\n")})
		wantField(t, err, "file", "exhibit_file_type")
		_, err = f.s.Submit(f.as("u-party"), c.ID, exhibit.Upload{Name: "", Purpose: "", Body: bytes.NewReader(pdfBytes)})
		wantField(t, err, "name", "required")
		wantField(t, err, "purpose", "required")
		if n := f.count(t, `SELECT COUNT(*) FROM exhibit_exhibit`); n != 0 {
			t.Fatalf("%d exhibits after refusals, want 0", n)
		}
		e := f.submit(t, c, "u-party", "借条")
		if e.Kind != "pdf" || len(e.SHA256) != 64 || e.Label != "原告证据1" || e.Origin != exhibit.OriginUpload {
			t.Fatalf("exhibit = %+v", e)
		}
		var payload string
		if err := f.db.QueryRow(context.Background(), `SELECT payload FROM bus_outbox WHERE type = ? AND case_id = ?`,
			exhibit.EventSubmitted, c.ID).Scan(&payload); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(payload, e.SHA256) || !strings.Contains(payload, `"evidence_id":"`+e.ID+`"`) || !strings.Contains(payload, f.courtID) {
			t.Errorf("event payload %s lacks sha256, evidence_id or court_id", payload)
		}
		// An image and an audio file are accepted; their kind comes from content.
		img, err := f.s.Submit(f.as("u-party"), c.ID, exhibit.Upload{Name: "转账截图", Purpose: "证明交付", FileName: "x.pdf", Body: bytes.NewReader(pngBytes)})
		if err != nil || img.Kind != "png" {
			t.Fatalf("png: %+v %v", img, err)
		}
	})
}

// TestNumberingPerParty: each party's exhibits are numbered from 1.
func TestNumberingPerParty(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		p1 := f.submit(t, c, "u-party", "借条")
		p2 := f.submit(t, c, "u-lawyer", "转账记录")
		d1 := f.submit(t, c, "u-defendant", "还款凭证")
		// The clerk digitises a paper exhibit for the defendant (Art. 11 para 3).
		d2, err := f.s.Submit(f.as("u-clerk"), c.ID, exhibit.Upload{PartyID: defendant(c), Name: "收条", Purpose: "证明已还款",
			Body: bytes.NewReader(pdfBytes)})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{p1.Label, p2.Label, d1.Label, d2.Label}
		want := []string{"原告证据1", "原告证据2", "被告证据1", "被告证据2"}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("label %d = %s, want %s", i, got[i], want[i])
			}
		}
		// A party cannot submit for the other side.
		_, err = f.s.Submit(f.as("u-party"), c.ID, exhibit.Upload{PartyID: defendant(c), Name: "x", Purpose: "y", Body: bytes.NewReader(pdfBytes)})
		wantCode(t, err, errs.Forbidden, "exhibit.error.not_your_party")
	})
}

// TestSubmitFiled: an item of the filed evidence becomes an exhibit without
// a new upload, once; unknown items are refused.
func TestSubmitFiled(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		ref, err := f.blobs.Put(context.Background(), bytes.NewReader(pdfBytes))
		if err != nil {
			t.Fatal(err)
		}
		f.filed[c.ID] = []exhibit.FiledItem{{ID: "fe-1", Name: "借条", Purpose: "证明借款事实", Kind: "pdf", SHA256: ref.SHA256, Size: ref.Size}}
		e, err := f.s.SubmitFiled(f.as("u-lawyer"), c.ID, exhibit.Reference{FilingEvidenceID: "fe-1"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Origin != exhibit.OriginFiling || e.SHA256 != ref.SHA256 || e.Name != "借条" || e.Label != "原告证据1" {
			t.Errorf("exhibit = %+v", e)
		}
		_, err = f.s.SubmitFiled(f.as("u-lawyer"), c.ID, exhibit.Reference{FilingEvidenceID: "fe-1"})
		wantField(t, err, "filing_evidence_id", "exhibit_filed_twice")
		_, err = f.s.SubmitFiled(f.as("u-lawyer"), c.ID, exhibit.Reference{FilingEvidenceID: "fe-404"})
		wantField(t, err, "filing_evidence_id", "exhibit_filed_unknown")
	})
}

// TestAccess: a stranger gets not found; the other side sees a party's
// exhibits only once an exchange has begun; staff see all; reads audited.
func TestAccess(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		p1 := f.submit(t, c, "u-party", "借条")
		if _, err := f.s.List(f.as("u-stranger"), c.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("stranger List: %v, want not found", err)
		}
		if _, err := f.s.Find(f.as("u-stranger"), p1.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("stranger Find: %v, want not found", err)
		}
		if _, err := f.s.List(context.Background(), c.ID); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("signed out: %v", err)
		}
		if l, err := f.s.List(f.as("u-defendant"), c.ID); err != nil || len(l) != 0 {
			t.Fatalf("defendant before exchange: %d, %v", len(l), err)
		}
		if _, err := f.s.Find(f.as("u-defendant"), p1.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("defendant Find before exchange: %v", err)
		}
		if l, _ := f.s.List(f.as("u-lawyer"), c.ID); len(l) != 1 {
			t.Fatalf("own side sees %d", len(l))
		}
		if l, _ := f.s.List(f.as("u-clerk"), c.ID); len(l) != 1 {
			t.Fatalf("clerk sees %d", len(l))
		}
		// An exchange starting tomorrow does not yet show the exhibits.
		today := day("2026-03-02")
		if _, err := f.s.OpenExchange(f.as("u-judge"), c.ID, exhibit.ExchangeInput{Start: today.Plus(1), End: today.Plus(5), Agreed: true}); err != nil {
			t.Fatal(err)
		}
		if l, _ := f.s.List(f.as("u-defendant"), c.ID); len(l) != 0 {
			t.Fatalf("defendant sees %d before the exchange starts", len(l))
		}
		f.clk.Set(t0.Add(24 * time.Hour))
		if l, _ := f.s.List(f.as("u-defendant"), c.ID); len(l) != 1 {
			t.Fatalf("defendant sees %d during the exchange", len(l))
		}
		// Downloads are audited.
		e, rc, err := f.s.Open(f.as("u-defendant"), p1.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.HasPrefix(b, []byte("%PDF-")) || e.ContentType() != "application/pdf" {
			t.Errorf("file: %q %s", b[:8], e.ContentType())
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'exhibit.file.read' AND target = ?`, p1.ID); n != 1 {
			t.Errorf("%d file reads audited, want 1", n)
		}
		if n := f.count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'casefile.case.read' AND case_id = ?`, c.ID); n == 0 {
			t.Errorf("case reads not audited")
		}
		// Only the judge opens an exchange.
		_, err = f.s.OpenExchange(f.as("u-party"), c.ID, exhibit.ExchangeInput{Start: today.Plus(1), End: today.Plus(5)})
		wantCode(t, err, errs.Forbidden, "exhibit.error.judge_only")
		_, err = f.s.OpenExchange(f.as("u-judge"), c.ID, exhibit.ExchangeInput{Start: today.Plus(-3), End: today.Plus(-5)})
		wantField(t, err, "start", "exhibit_start_past")
		wantField(t, err, "end", "exhibit_end_before_start")
		wantField(t, err, "agreed", "exhibit_async_agreement")
	})
}

// TestExchangeNeedsConsent: an asynchronous exchange needs every party's
// consent to online evidence exchange (Art. 4(四), Art. 20 para 1).
func TestExchangeNeedsConsent(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		c := f.newCase(t, casefile.Ordinary)
		if _, err := f.cases.SetConsent(f.as("u-defendant"), c.ID, defendant(c), casefile.StageEvidence, false, casefile.HowPlatform); err != nil {
			t.Fatal(err)
		}
		today := day("2026-03-02")
		_, err := f.s.OpenExchange(f.as("u-judge"), c.ID, exhibit.ExchangeInput{Start: today, End: today.Plus(5), Agreed: true})
		wantCode(t, err, errs.Conflict, "exhibit.error.no_online_consent")
		wantField(t, err, "consent."+defendant(c), "exhibit_no_consent")
		if n := f.count(t, `SELECT COUNT(*) FROM exhibit_exchange`); n != 0 {
			t.Fatalf("%d exchanges after the refusal", n)
		}
		if _, err := f.cases.SetConsent(f.as("u-defendant"), c.ID, defendant(c), casefile.StageEvidence, true, casefile.HowPlatform); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.OpenExchange(f.as("u-judge"), c.ID, exhibit.ExchangeInput{Start: today, End: today.Plus(5), Agreed: true}); err != nil {
			t.Fatal(err)
		}
	})
}
