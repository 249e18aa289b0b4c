package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/transcript"
)

// accountCodes gives the hearing record its one-time signing codes: sent
// to the signer's own mobile by the identity context (Online Litigation
// Rules Art. 33).
type accountCodes struct{ id *identity.Service }

func (c accountCodes) Send(ctx context.Context, accountID, purpose string) error {
	return c.id.SendAccountCode(ctx, accountID, purpose)
}

func (c accountCodes) Check(ctx context.Context, accountID, purpose, code string) (bool, error) {
	return c.id.CheckAccountCode(ctx, accountID, purpose, code)
}

// recordIssuer issues the signed hearing record (庭审笔录) as a sealed
// court document with its ledger entry.
type recordIssuer struct{ a *App }

func (r recordIssuer) IssueRecord(ctx context.Context, caseID, courtID string, doc render.Document, key string) (transcript.DocumentRef, error) {
	d, err := r.a.issueCourtDocument(asSystem(ctx), courtDoc{CourtID: courtID, CaseID: caseID, Kind: "hearing_record", Doc: doc,
		Key: key, IssuedBy: systemActor})
	if err != nil {
		return transcript.DocumentRef{}, err
	}
	return transcript.DocumentRef{ID: d.ID, Code: d.Code}, nil
}

// hearingFinder gives the exhibit context the case of a hearing.
type hearingFinder struct{ h *hearing.Service }

func (f hearingFinder) FindHearing(ctx context.Context, id string) (exhibit.HearingRef, error) {
	h, err := f.h.Find(ctx, id)
	if err != nil {
		return exhibit.HearingRef{}, err
	}
	return exhibit.HearingRef{ID: h.ID, CaseID: h.CaseID}, nil
}

// handleHearingScheduled issues a 传票 (summons, CPL Art. 139: served at
// least three days before the hearing) for every party and representative
// the hearing calls, and serves it on them: electronically where lawful,
// else through the clerk. A rescheduled hearing gets new summonses (its
// sequence number is part of the key).
func (a *App) handleHearingScheduled(ctx context.Context, ev bus.Event) error {
	var s hearing.Summons
	if err := ev.Decode(&s); err != nil || s.CaseID == "" {
		return fmt.Errorf("hearings: event %s: %v", ev.ID, err)
	}
	ctx = asSystem(ctx)
	c, err := a.svc.casefile.Authorize(ctx, s.CaseID, casefile.NeedRead)
	if err != nil {
		return err
	}
	ct, err := a.svc.court.Find(ctx, c.CourtID)
	if err != nil {
		return err
	}
	place := s.Courtroom
	online := ""
	if s.Mode != hearing.Offline {
		if place == "" {
			place = "在线庭审（电子诉讼平台）"
		}
		online = "在线参加的，请于开庭前登录电子诉讼平台 " + a.publicURL() + s.RoomPath + "，先完成设备检测（" + a.publicURL() + "/hearings/self-test）"
	}
	for _, p := range s.Participants {
		if p.PartyID == "" || p.Kind != hearing.KindParty {
			continue
		}
		party := partyByID(c, p.PartyID)
		if party == nil {
			continue
		}
		d, err := a.issueCourtDocument(ctx, courtDoc{CourtID: c.CourtID, CaseID: c.ID, Kind: "summons",
			Key: fmt.Sprintf("hearing:%s:%d:summons:%s", s.HearingID, s.Seq, party.ID), IssuedBy: systemActor,
			Doc: render.Document{CourtName: ct.Name("zh-CN"), CaseNumber: c.Number, IssuedOn: ev.Time.In(clock.China), Seal: &render.Seal{},
				Body: &render.Summons{Person: party.Name, Role: p.Seat, Address: orDash(party.Address), Cause: c.Cause,
					Time: s.StartsAt.In(clock.China), Place: place, Online: online}}})
		if err != nil {
			return err
		}
		if err := a.serveOn(ctx, c, d, delivery.DocSummons, []casefile.Party{*party}); err != nil {
			return err
		}
	}
	return nil
}

// modeText is how the record names the way a hearing is held.
var modeText = map[hearing.Mode]string{hearing.Online: "在线庭审", hearing.Mixed: "线上线下结合庭审"}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// handleHearingSession puts the opening and closing of a hearing on its
// record (笔录), starting the record at the opening.
func (a *App) handleHearingSession(ctx context.Context, ev bus.Event) error {
	var s hearing.Summons
	if err := ev.Decode(&s); err != nil || s.HearingID == "" {
		return fmt.Errorf("hearings: event %s: %v", ev.ID, err)
	}
	ctx = transcript.AsSystem(asSystem(ctx), "system:hearing")
	if _, err := a.svc.transcript.Start(ctx, transcript.StartRequest{HearingID: s.HearingID, CaseID: s.CaseID,
		Place: s.Courtroom, Mode: modeText[s.Mode]}); err != nil {
		return err
	}
	kind := transcript.MarkOpen
	if ev.Type == "ecourt.hearing.hearing.closed" {
		kind = transcript.MarkClose
		a.stopRecording(s.HearingID)
	} else if s.Mode != hearing.Offline {
		a.startRecording(s.HearingID)
	}
	_, err := a.svc.transcript.Mark(ctx, s.HearingID, kind, ev.Time)
	return err
}

// subscribeHearings starts the consumers that serve summonses, keep the
// record's session marks and log exhibits in the evidence ledger.
func (a *App) subscribeHearings(ctx context.Context) (func(), error) {
	retry := bus.Retry(20, time.Second, 5*time.Second, 30*time.Second, time.Minute)
	subs := []struct {
		durable, subject string
		fn               func(context.Context, bus.Event) error
	}{
		{"hearings-summons-scheduled", "ecourt.hearing.hearing.scheduled", a.handleHearingScheduled},
		{"hearings-summons-rescheduled", "ecourt.hearing.hearing.rescheduled", a.handleHearingScheduled},
		{"hearings-record-opened", "ecourt.hearing.hearing.opened", a.handleHearingSession},
		{"hearings-record-closed", "ecourt.hearing.hearing.closed", a.handleHearingSession},
		{"ledger-exhibit-submitted", "ecourt.exhibit.exhibit.submitted", a.svc.ledger.HandleEvidenceUploaded},
		{"ledger-statement-submitted", "ecourt.exhibit.statement.submitted", a.svc.ledger.HandleEvidenceUploaded},
	}
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for _, s := range subs {
		stop, err := a.Bus.Subscribe(ctx, s.durable, s.subject, s.fn, retry)
		if err != nil {
			stopAll()
			return nil, err
		}
		stops = append(stops, stop)
	}
	return stopAll, nil
}
