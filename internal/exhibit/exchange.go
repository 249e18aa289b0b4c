package exhibit

import (
	"context"
	"strings"

	"github.com/ecourt/ecourt/internal/casefile"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// maxExchangeDays bounds an exchange period; a longer one is a typo.
const maxExchangeDays = 90

// OpenExchange opens an asynchronous evidence exchange for a case (Online
// Litigation Rules Art. 14 para 3: "在人民法院确定的合理期限内，分别登录诉讼
// 平台，查看已经导入诉讼平台的证据材料，并发表质证意见"). Only the judge or
// assistant of the case may; errs.Forbidden otherwise. Start and End are
// court-local calendar dates, both included; Start may not be in the past
// and End not before Start (fields "start", "end"). From Start on, each
// party sees the other side's exhibits; until End it may record opinions.
// The exchange needs every party's agreement: in.Agreed (field "agreed",
// "exhibit_async_agreement") and each party's consent to online evidence
// exchange recorded in the casefile (Online Litigation Rules Art. 4(四): it
// is never inferred from other stages); a party without it gives
// errs.Conflict "exhibit.error.no_online_consent" with one field
// "consent.<party ID>" per party.
func (s *Service) OpenExchange(ctx context.Context, caseID string, in ExchangeInput) (Exchange, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Exchange{}, err
	}
	if err := st.requireJudge(); err != nil {
		return Exchange{}, err
	}
	in.Note = strings.TrimSpace(in.Note)
	var v errs.Collector
	checkPeriod(&v, in.Start, in.End, s.today())
	checkText(&v, "note", in.Note, false, 500)
	if !in.Agreed {
		v.Add("agreed", "exhibit_async_agreement")
	}
	if err := v.Err(); err != nil {
		return Exchange{}, err
	}
	if err := s.checkConsents(ctx, st); err != nil {
		return Exchange{}, err
	}
	x := Exchange{ID: ids.New(), CaseID: st.c.ID, Start: in.Start, End: in.End, Note: in.Note, OpenedBy: audit.ActorFrom(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		x.OpenedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_exchange (court_id, `+exchangeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL)`,
			st.c.CourtID, x.ID, x.CaseID, x.Start.String(), x.End.String(), x.Note, x.OpenedBy, x.OpenedAt); err != nil {
			return err
		}
		detail := map[string]any{"exchange_id": x.ID, "start": x.Start.String(), "end": x.End.String()}
		if err := enqueue(ctx, tx, st.c, EventExchangeOpened, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.exchange.open", CourtID: st.c.CourtID, CaseID: st.c.ID, Target: x.ID, Detail: detail})
	})
	if err != nil {
		return Exchange{}, err
	}
	x.setState(s.today())
	return x, nil
}

// ExtendExchange moves the last day of an exchange to end (after the old
// end and not in the past), also after it has closed: opinions are
// accepted again until end. Judge or assistant of the case only.
func (s *Service) ExtendExchange(ctx context.Context, caseID, exchangeID string, end calendar.Date) (Exchange, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Exchange{}, err
	}
	if err := st.requireJudge(); err != nil {
		return Exchange{}, err
	}
	xs, err := loadExchanges(ctx, s.db, st.c.CourtID, st.c.ID)
	if err != nil {
		return Exchange{}, err
	}
	var x *Exchange
	for i := range xs {
		if xs[i].ID == exchangeID {
			x = &xs[i]
		}
	}
	if x == nil {
		return Exchange{}, errs.New(errs.NotFound, "exhibit.error.exchange_not_found")
	}
	today := s.today()
	if !end.Valid() {
		return Exchange{}, errs.Fields(errs.Field("end", "date"))
	}
	if !end.After(x.End) || end.Before(today) || end.Sub(x.Start) > maxExchangeDays {
		return Exchange{}, errs.Fields(errs.Field("end", "exhibit_extend_end"))
	}
	old := x.End
	x.End, x.ExtendedBy = end, audit.ActorFrom(ctx).UserID
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		now := tx.Now
		x.ExtendedAt = &now
		if _, err := tx.Exec(ctx, `UPDATE exhibit_exchange SET end_date = ?, extended_by = ?, extended_at = ? WHERE court_id = ? AND id = ?`,
			end.String(), x.ExtendedBy, now, st.c.CourtID, x.ID); err != nil {
			return err
		}
		detail := map[string]any{"exchange_id": x.ID, "from": old.String(), "to": end.String()}
		if err := enqueue(ctx, tx, st.c, EventExchangeExtends, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.exchange.extend", CourtID: st.c.CourtID, CaseID: st.c.ID, Target: x.ID, Detail: detail})
	})
	if err != nil {
		return Exchange{}, err
	}
	x.setState(today)
	return *x, nil
}

// ListExchanges returns the exchanges of a case, each with its state
// today. Everyone who may read the case may see them.
func (s *Service) ListExchanges(ctx context.Context, caseID string) ([]Exchange, error) {
	v, err := s.view(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if v.exchanges == nil {
		return []Exchange{}, nil
	}
	return v.exchanges, nil
}

// checkPeriod checks a period of court-local dates starting today or later.
func checkPeriod(v *errs.Collector, start, end, today calendar.Date) {
	switch {
	case !start.Valid():
		v.Add("start", "date")
	case start.Before(today):
		v.Add("start", "exhibit_start_past")
	}
	switch {
	case !end.Valid():
		v.Add("end", "date")
	case start.Valid() && end.Before(start):
		v.Add("end", "exhibit_end_before_start")
	case start.Valid() && end.Sub(start) > maxExchangeDays:
		v.Add("end", "exhibit_period_too_long", maxExchangeDays)
	}
}

// checkConsents refuses an exchange while some party has not consented to
// online evidence exchange.
func (s *Service) checkConsents(ctx context.Context, st standing) error {
	ks, err := s.deps.Cases.Consents(ctx, st.c.ID)
	if err != nil {
		return err
	}
	consent := map[string]bool{}
	for _, k := range ks {
		if k.Stage == casefile.StageEvidence {
			consent[k.PartyID] = k.Consent
		}
	}
	e := errs.New(errs.Conflict, "exhibit.error.no_online_consent")
	for _, p := range st.c.Parties {
		if !consent[p.ID] {
			e.Fields = append(e.Fields, errs.Field("consent."+p.ID, "exhibit_no_consent", p.Name))
		}
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}
