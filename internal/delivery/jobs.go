package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// Job kinds (RegisterJobs).
const (
	// JobTimeline adds one entry to the case timeline (casefile AddEvent
	// cannot run inside delivery's transaction). At least once: a crash
	// between the entry and the job's completion repeats the entry.
	JobTimeline = "delivery.timeline"
	// JobCertificate issues the 电子送达凭证 of a record served
	// electronically through the Certifier; keyed by record and legal time.
	JobCertificate = "delivery.certificate"
	// JobReminder reminds a party that a period is running out; keyed by
	// record, period kind and days before the end.
	JobReminder = "delivery.reminder"
	// JobAnnouncement makes a record served by announcement served on its
	// deemed day; keyed by record.
	JobAnnouncement = "delivery.announcement"
)

// Timeline entry types (casefile.Event.Type); their labels are the
// messages "casefile.event.<type>".
const (
	TimelineConsent   = "delivery.consent_signed"
	TimelineRequested = "delivery.requested"
	TimelineRefused   = "delivery.refused"
	TimelineServed    = "delivery.served"
	TimelineFailed    = "delivery.failed"
	TimelineAnnounced = "delivery.announced"
	TimelinePaper     = "delivery.paper_requested"
)

// TimelineTypes lists the timeline entry types delivery writes.
var TimelineTypes = []string{TimelineConsent, TimelineRequested, TimelineRefused, TimelineServed, TimelineFailed,
	TimelineAnnounced, TimelinePaper}

// RegisterJobs registers delivery's job kinds on the app's runner (the app
// must migrate jobs.Migrations and start the runner). Every handler is
// idempotent.
func (s *Service) RegisterJobs(r *jobs.Runner) {
	r.Register(JobTimeline, s.runTimeline)
	r.Register(JobCertificate, s.runCertificate)
	r.Register(JobReminder, s.runReminder)
	r.Register(JobAnnouncement, s.runAnnouncement)
}

type timelinePayload struct {
	CaseID string          `json:"case_id"`
	Type   string          `json:"type"`
	At     time.Time       `json:"at"`
	Note   string          `json:"note"`
	Actor  string          `json:"actor"`
	Detail json.RawMessage `json:"detail"`
}

// timeline schedules a timeline entry at now.
func (s *Service) timeline(ctx context.Context, tx *sqldb.Tx, courtID, caseID, typ, note string, detail map[string]any) error {
	return s.timelineAt(ctx, tx, courtID, caseID, typ, tx.Now, note, detail)
}

// timelineAt schedules a timeline entry dated at.
func (s *Service) timelineAt(ctx context.Context, tx *sqldb.Tx, courtID, caseID, typ string, at time.Time, note string, detail map[string]any) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	if r := []rune(note); len(r) > 1000 {
		note = string(r[:1000])
	}
	j := jobs.New(JobTimeline, "", tx.Now, timelinePayload{CaseID: caseID, Type: typ, At: at.UTC(), Note: note,
		Actor: audit.ActorFrom(ctx).UserID, Detail: d})
	j.CourtID, j.CaseID = courtID, caseID
	return jobs.Schedule(ctx, tx, j)
}

func (s *Service) runTimeline(ctx context.Context, j jobs.Job) error {
	var p timelinePayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	actor := p.Actor
	if actor == "" {
		actor = "system:delivery"
	}
	ctx = casefile.AsSystem(audit.WithActor(ctx, audit.Actor{UserID: actor}))
	_, err := s.deps.Cases.AddEvent(ctx, p.CaseID, casefile.Event{Type: p.Type, At: p.At, Note: p.Note, Detail: p.Detail})
	return err
}

// certificateKey is the job key (and the Certifier's idempotency key) of
// a record's certificate for one legal time of service.
func certificateKey(serviceID string, servedAt time.Time) string {
	return serviceID + "@" + strconv.FormatInt(servedAt.UnixMicro(), 10)
}

// scheduleCertificate schedules (or brings forward) the certificate job of
// a record served electronically: at once when every channel has reported,
// else after CertificateDelay. When the time of service moved, the job for
// the old time is cancelled.
func (s *Service) scheduleCertificate(ctx context.Context, tx *sqldb.Tx, before, after Record) error {
	if s.deps.Certifier == nil {
		return nil
	}
	if before.Status == Served && before.Method == Electronic && before.ServedAt != nil && !before.ServedAt.Equal(*after.ServedAt) {
		if err := jobs.Cancel(ctx, tx, JobCertificate, certificateKey(before.ID, *before.ServedAt)); err != nil {
			return err
		}
	}
	key := certificateKey(after.ID, *after.ServedAt)
	at := tx.Now
	if !allFinal(after) {
		at = after.ServedAt.Add(s.deps.CertificateDelay)
		if at.Before(tx.Now) {
			at = tx.Now
		}
		// A job already scheduled for this time is not pushed back.
		if j, err := jobs.FindByKey(ctx, tx, JobCertificate, key); err == nil && j.State == jobs.StateScheduled && j.RunAt.Before(at) {
			return nil
		}
	}
	j := jobs.New(JobCertificate, key, at, map[string]string{"service_id": after.ID, "court_id": after.CourtID})
	j.CourtID, j.CaseID = after.CourtID, after.CaseID
	return jobs.Schedule(ctx, tx, j)
}

func (s *Service) runCertificate(ctx context.Context, j jobs.Job) error {
	if s.deps.Certifier == nil {
		return nil
	}
	ctx = systemActor(ctx, "system:delivery")
	var p struct {
		ServiceID string `json:"service_id"`
		CourtID   string `json:"court_id"`
	}
	if err := j.Decode(&p); err != nil {
		return err
	}
	r, err := s.loadFull(ctx, s.db, p.CourtID, p.ServiceID, false)
	if err != nil {
		return err
	}
	if r.Status != Served || r.Method != Electronic || r.ServedAt == nil || certificateKey(r.ID, *r.ServedAt) != j.Key {
		return nil // the time of service moved (a newer job exists) or it was not electronic
	}
	cert := buildCertificate(r)
	ref, err := s.deps.Certifier.IssueCertificate(ctx, cert)
	if err != nil {
		return fmt.Errorf("delivery: certificate of %s: %w", r.ID, err)
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := lockService(ctx, tx, r.CourtID, r.ID)
		if err != nil {
			return err
		}
		if cur.ServedAt == nil || certificateKey(cur.ID, *cur.ServedAt) != j.Key {
			return jobs.Done(ctx, tx, j.ID)
		}
		cur.Certificate, cur.UpdatedAt = &ref, tx.Now
		if err := updateService(ctx, tx, cur); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.certificate.attach", CourtID: cur.CourtID,
			CaseID: cur.CaseID, Target: cur.ID, Detail: map[string]any{"document_id": ref.ID, "code": ref.Code, "key": j.Key}}); err != nil {
			return err
		}
		ev := s.payload(cur)
		ev["certificate_id"], ev["certificate_code"] = ref.ID, ref.Code
		if err := enqueue(ctx, tx, "ecourt.delivery.certificate.issued", cur.CourtID, cur.CaseID, ev); err != nil {
			return err
		}
		return jobs.Done(ctx, tx, j.ID)
	})
}

// buildCertificate assembles the content of the 电子送达凭证 of r.
func buildCertificate(r Record) Certificate {
	c := Certificate{Key: certificateKey(r.ID, *r.ServedAt), ServiceID: r.ID, CourtID: r.CourtID, CaseID: r.CaseID,
		CaseNumber: r.CaseNumber, Cause: r.cause, Document: r.Document, RecipientName: r.RecipientName, RecipientRole: r.RecipientRole,
		PartyID: r.PartyID, Bases: []Basis{}, Attempts: []CertificateEntry{}, ServedAt: *r.ServedAt,
		ServedChannel: r.ServedChannel, ReadAt: r.ReadAt, ServedBy: r.ServedBy, RequestedAt: r.CreatedAt,
		LegalReference: "《人民法院在线诉讼规则》第三十一条；民事诉讼法第九十条；民诉法解释第一百三十五条"}
	// The basis is that of the attempt whose channel was first to succeed.
	for _, a := range r.Attempts {
		for _, ch := range a.Channels {
			c.Attempts = append(c.Attempts, CertificateEntry{Seq: a.Seq, Channel: ch.Channel, Address: ch.Address,
				AddressMasked: maskAddress(Address{Channel: ch.Channel, Address: ch.Address}), Valid: ch.Valid,
				Status: ch.Status, AttemptedAt: a.CreatedAt, SentAt: ch.SentAt, Failure: ch.Failure, ReadAt: ch.ReadAt})
			if ch.Valid && ch.SentAt != nil && ch.SentAt.Equal(*r.ServedAt) && len(c.Bases) == 0 {
				c.Bases = append(c.Bases, a.Decision.Bases...)
			}
		}
	}
	return c
}

// scheduleAnnouncement schedules the day an announcement counts as served.
func (s *Service) scheduleAnnouncement(ctx context.Context, tx *sqldb.Tx, r Record) error {
	j := jobs.New(JobAnnouncement, r.ID, announcementRunAt(*r.ServedOn), map[string]string{"service_id": r.ID, "court_id": r.CourtID})
	j.CourtID, j.CaseID = r.CourtID, r.CaseID
	return jobs.Schedule(ctx, tx, j)
}

func (s *Service) runAnnouncement(ctx context.Context, j jobs.Job) error {
	ctx = systemActor(ctx, "system:delivery")
	var p struct {
		ServiceID string `json:"service_id"`
		CourtID   string `json:"court_id"`
	}
	if err := j.Decode(&p); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.announcementDue(ctx, tx, p.CourtID, p.ServiceID); err != nil {
			return err
		}
		return jobs.Done(ctx, tx, j.ID)
	})
}

// reminderNamespace derives the stable notification IDs of reminders.
var reminderNamespace = uuid.MustParse("6f1c2c8e-4a8b-5d3e-9b7a-2f0d1e3c4b5a")

func (s *Service) runReminder(ctx context.Context, j jobs.Job) error {
	ctx = systemActor(ctx, "system:delivery")
	var p reminderPayload
	if err := j.Decode(&p); err != nil {
		return err
	}
	per, err := loadPeriod(ctx, s.db, p.PeriodID)
	if err != nil {
		s.log.Warn("delivery: reminder for a missing period", "job", j.ID, "period_id", p.PeriodID)
		return nil
	}
	if per.End.String() != p.End {
		return nil // the period moved; its reminder was rescheduled
	}
	r, err := loadService(ctx, s.db, per.ServiceID)
	if err != nil {
		return err
	}
	cur, err := newestConsent(ctx, s.db, r.CourtID, r.CaseID, r.PartyID)
	if err != nil {
		return err
	}
	courtZH, courtEN := s.courtNames(ctx, r.CourtID)
	period := "answer"
	if per.Kind == PeriodAppealJudgment || per.Kind == PeriodAppealRuling {
		period = "appeal"
	}
	o := Outgoing{
		ID:        uuid.NewSHA1(reminderNamespace, []byte(j.Key+"@"+p.End)).String(),
		Ref:       refReminder + per.ID + ":" + strconv.Itoa(p.Days),
		Addresses: map[Channel]string{}, Template: TemplateReminder, CourtID: r.CourtID, CaseID: r.CaseID,
		Data: map[string]string{"case_number": r.CaseNumber, "document_title": r.Document.Title,
			"period": period, "period_kind": string(per.Kind), "end": per.End.String(), "due_date": per.End.String(),
			"days_left": strconv.Itoa(p.Days), "article": per.Article, "recipient_name": r.RecipientName,
			"link": "/cases/" + r.CaseID, "court_name": courtZH, "court_name_en": courtEN},
	}
	// A reminder is a courtesy, not service: the party's chosen addresses
	// when it accepts electronic messages, and its platform inbox.
	if cur != nil && cur.Electronic {
		for _, a := range cur.Channels {
			o.Channels = append(o.Channels, a.Channel)
			o.Addresses[a.Channel] = a.Address
			if a.Channel == Inbox {
				o.RecipientAccount = a.Address
			}
		}
	}
	if _, ok := o.Addresses[Inbox]; !ok && r.AccountID != "" {
		o.Channels = append([]Channel{Inbox}, o.Channels...)
		o.Addresses[Inbox], o.RecipientAccount = r.AccountID, r.AccountID
	}
	if len(o.Channels) == 0 {
		s.log.Info("delivery: no address for a period reminder", "period_id", per.ID, "party_id", r.PartyID)
		return nil
	}
	return s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := s.deps.Notifier.Notify(ctx, tx, o); err != nil {
			return err
		}
		if err := audit.Append(ctx, tx, audit.Record{Action: "delivery.period.remind", CourtID: r.CourtID, CaseID: r.CaseID,
			Target: per.ID, Detail: map[string]any{"days_before": p.Days, "end": p.End, "channels": o.Channels}}); err != nil {
			return err
		}
		return jobs.Done(ctx, tx, j.ID)
	})
}

// ReminderRef parses a reminder's Outgoing.Ref into its period ID and days
// before the end.
func ReminderRef(ref string) (periodID string, days int, ok bool) {
	rest, ok := strings.CutPrefix(ref, refReminder)
	if !ok {
		return "", 0, false
	}
	i := strings.LastIndex(rest, ":")
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return "", 0, false
	}
	return rest[:i], n, true
}
