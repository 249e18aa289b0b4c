package exhibit

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The conditions of an asynchronous trial, Online Litigation Rules Art. 20
// para 2 (all three must hold).
const (
	// CondDifficulty: (一) 各方当事人同时在线参与庭审确有困难.
	CondDifficulty = "difficulty"
	// CondApplication: (二) 一方当事人提出书面申请，各方当事人均表示同意.
	CondApplication = "application_consent"
	// CondNoDispute: (三) 案件经过在线证据交换或者调查询问，各方当事人对案件主要
	// 事实和证据不存在争议.
	CondNoDispute = "no_dispute"
)

// Conditions lists the conditions in the article's order.
var Conditions = []string{CondDifficulty, CondApplication, CondNoDispute}

// CondProcedure names the missing procedure condition: Art. 20 para 2
// allows an asynchronous trial only in small-claims and simplified cases.
const CondProcedure = "procedure"

// The stages of an asynchronous trial, each recorded separately ("按照庭审程
// 序环节分别录制").
const (
	StageStatement = "statement"         // 陈述 (claims and facts)
	StageDefence   = "defence"           // 答辩
	StageCross     = "cross_examination" // 质证意见
	StageFinal     = "final_statement"   // 最后陈述
)

// StatementStages lists the stages in trial order.
var StatementStages = []string{StageStatement, StageDefence, StageCross, StageFinal}

// Statement kinds: a recording (audio or video, decided by content) or text.
const (
	StatementText = "text"
)

// ConditionInput records whether a condition of Art. 20 is met, and on
// what it rests (the written application, each party's consent, the
// exchange's outcome…).
type ConditionInput struct {
	Condition string `json:"condition"`
	Met       bool   `json:"met"`
	Note      string `json:"note"`
}

// ConditionState is the newest record of one condition.
type ConditionState struct {
	Condition  string     `json:"condition"`
	Recorded   bool       `json:"recorded"`
	Met        bool       `json:"met"`
	Note       string     `json:"note"`
	RecordedBy string     `json:"recorded_by"`
	RecordedAt *time.Time `json:"recorded_at"`
}

// StageInput sets the period of a stage.
type StageInput struct {
	Stage string        `json:"stage"`
	Start calendar.Date `json:"start"`
	End   calendar.Date `json:"end"`
}

// StagePeriod is the period in which the parties record a stage.
type StagePeriod struct {
	Stage string        `json:"stage"`
	Start calendar.Date `json:"start"`
	End   calendar.Date `json:"end"`
	Open  bool          `json:"open"`
	SetBy string        `json:"set_by"`
}

// Statement is one recorded statement of a party for a stage.
type Statement struct {
	ID          string    `json:"id"`
	PartyID     string    `json:"party_id"`
	PartyName   string    `json:"party_name"`
	Stage       string    `json:"stage"`
	Kind        string    `json:"kind"` // mp3, wav, mp4 or text
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	Text        string    `json:"text"`
	SubmittedBy string    `json:"submitted_by"`
	SubmittedAt time.Time `json:"submitted_at"`
}

// StatementInput is a recorded statement: Body (an MP3, WAV or MP4
// recording) or Text.
type StatementInput struct {
	PartyID string
	Stage   string
	Text    string
	Body    io.Reader
}

// AsyncTrial is the asynchronous-trial position of a case.
type AsyncTrial struct {
	CaseID        string             `json:"case_id"`
	Procedure     casefile.Procedure `json:"procedure"`
	ProcedureFits bool               `json:"procedure_fits"`
	Conditions    []ConditionState   `json:"conditions"`
	// Allowed reports whether the gate of Art. 20 is passed; Missing names
	// what is not (conditions and "procedure").
	Allowed    bool          `json:"allowed"`
	Missing    []string      `json:"missing"`
	Stages     []StagePeriod `json:"stages"`
	Statements []Statement   `json:"statements"`
}

// recordingKinds are the kinds a recorded statement may be.
var recordingKinds = []string{filing.KindMP3, filing.KindWAV, filing.KindMP4}

func (s *Service) asyncState(ctx context.Context, st standing) (AsyncTrial, error) {
	c := st.c
	a := AsyncTrial{CaseID: c.ID, Procedure: c.Procedure, Missing: []string{}, Stages: []StagePeriod{}, Statements: []Statement{}}
	a.ProcedureFits = c.Procedure == casefile.SmallClaims || c.Procedure == casefile.Simplified
	byCond := map[string]ConditionState{}
	rows, err := s.db.Query(ctx, `SELECT cond, met, note, recorded_by, recorded_at FROM exhibit_condition
		WHERE court_id = ? AND case_id = ? ORDER BY recorded_at, id`, c.CourtID, c.ID)
	if err != nil {
		return a, err
	}
	for rows.Next() {
		var cs ConditionState
		var met int
		var at time.Time
		if err := rows.Scan(&cs.Condition, &met, &cs.Note, &cs.RecordedBy, &at); err != nil {
			rows.Close()
			return a, err
		}
		at = at.UTC()
		cs.Recorded, cs.Met, cs.RecordedAt = true, met == 1, &at
		byCond[cs.Condition] = cs
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, err
	}
	for _, k := range Conditions {
		cs, ok := byCond[k]
		if !ok {
			cs = ConditionState{Condition: k}
		}
		a.Conditions = append(a.Conditions, cs)
		if !cs.Met {
			a.Missing = append(a.Missing, k)
		}
	}
	if !a.ProcedureFits {
		a.Missing = append(a.Missing, CondProcedure)
	}
	a.Allowed = len(a.Missing) == 0
	today := s.today()
	srows, err := s.db.Query(ctx, `SELECT stage, start_date, end_date, set_by FROM exhibit_stage WHERE court_id = ? AND case_id = ?`, c.CourtID, c.ID)
	if err != nil {
		return a, err
	}
	for srows.Next() {
		var sp StagePeriod
		var start, end string
		if err := srows.Scan(&sp.Stage, &start, &end, &sp.SetBy); err != nil {
			srows.Close()
			return a, err
		}
		sp.Start, _ = calendar.ParseDate(start)
		sp.End, _ = calendar.ParseDate(end)
		sp.Open = !today.Before(sp.Start) && !today.After(sp.End)
		a.Stages = append(a.Stages, sp)
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return a, err
	}
	slices.SortFunc(a.Stages, func(x, y StagePeriod) int {
		return slices.Index(StatementStages, x.Stage) - slices.Index(StatementStages, y.Stage)
	})
	trows, err := s.db.Query(ctx, `SELECT id, party_id, stage, kind, sha256, size, body, submitted_by, submitted_at FROM exhibit_statement
		WHERE court_id = ? AND case_id = ? ORDER BY submitted_at, id`, c.CourtID, c.ID)
	if err != nil {
		return a, err
	}
	defer trows.Close()
	for trows.Next() {
		var m Statement
		if err := trows.Scan(&m.ID, &m.PartyID, &m.Stage, &m.Kind, &m.SHA256, &m.Size, &m.Text, &m.SubmittedBy, &m.SubmittedAt); err != nil {
			return a, err
		}
		m.SubmittedAt = m.SubmittedAt.UTC()
		if pt, ok := c.Party(m.PartyID); ok {
			m.PartyName = pt.Name
		}
		a.Statements = append(a.Statements, m)
	}
	return a, trows.Err()
}

// FindAsyncTrial returns the asynchronous-trial position of a case: the
// conditions of Art. 20 as recorded, whether the procedure fits, what is
// missing, the stage periods and the statements. Everyone who may read the
// case may see it (as they would attend the hearing).
func (s *Service) FindAsyncTrial(ctx context.Context, caseID string) (AsyncTrial, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return AsyncTrial{}, err
	}
	return s.asyncState(ctx, st)
}

// gateError names what keeps an asynchronous trial from being allowed: an
// errs.Conflict with one field per missing condition ("conditions.<name>",
// code "exhibit_missing_<name>").
func gateError(a AsyncTrial) error {
	e := errs.New(errs.Conflict, "exhibit.error.async_not_allowed")
	for _, m := range a.Missing {
		e.Fields = append(e.Fields, errs.Field("conditions."+m, "exhibit_missing_"+m))
	}
	return e
}

// RecordCondition records, as the judge or assistant of the case, whether
// a condition of Online Litigation Rules Art. 20 para 2 is met and on what
// it rests (note, required). Each record is kept with who made it; the
// newest counts. Condition (三) cannot be recorded as met while the judge
// has marked some point of an exhibit disputed (errs.Conflict
// "exhibit.error.points_disputed").
func (s *Service) RecordCondition(ctx context.Context, caseID string, in ConditionInput) (ConditionState, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return ConditionState{}, err
	}
	if err := st.requireJudge(); err != nil {
		return ConditionState{}, err
	}
	var v errs.Collector
	if !slices.Contains(Conditions, in.Condition) {
		v.Add("condition", "exhibit_condition")
	}
	in.Note = strings.TrimSpace(in.Note)
	checkText(&v, "note", in.Note, true, 1000)
	if err := v.Err(); err != nil {
		return ConditionState{}, err
	}
	if in.Condition == CondNoDispute && in.Met {
		ds, err := loadDisputes(ctx, s.db, st.c.CourtID, st.c.ID)
		if err != nil {
			return ConditionState{}, err
		}
		for _, d := range ds {
			if d.Any() {
				return ConditionState{}, errs.New(errs.Conflict, "exhibit.error.points_disputed")
			}
		}
	}
	cs := ConditionState{Condition: in.Condition, Recorded: true, Met: in.Met, Note: in.Note, RecordedBy: audit.ActorFrom(ctx).UserID}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		now := tx.Now
		cs.RecordedAt = &now
		met := 0
		if in.Met {
			met = 1
		}
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_condition (court_id, id, case_id, cond, met, note, recorded_by, recorded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, st.c.CourtID, ids.New(), st.c.ID, in.Condition, met, in.Note, cs.RecordedBy, now); err != nil {
			return err
		}
		detail := map[string]any{"condition": in.Condition, "met": in.Met}
		if err := enqueue(ctx, tx, st.c, EventCondition, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.condition.record", CourtID: st.c.CourtID, CaseID: st.c.ID,
			Detail: map[string]any{"condition": in.Condition, "met": in.Met, "note": in.Note}})
	})
	if err != nil {
		return ConditionState{}, err
	}
	return cs, nil
}

// SetStage sets the period (court-local dates, both included) in which
// the parties record a stage of the asynchronous trial. Judge or assistant
// of the case only; refused with gateError until the gate of Art. 20 is
// passed. Setting a stage again replaces its period.
func (s *Service) SetStage(ctx context.Context, caseID string, in StageInput) (StagePeriod, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return StagePeriod{}, err
	}
	if err := st.requireJudge(); err != nil {
		return StagePeriod{}, err
	}
	if !slices.Contains(StatementStages, in.Stage) {
		return StagePeriod{}, errs.Fields(errs.Field("stage", "exhibit_stage"))
	}
	today := s.today()
	var v errs.Collector
	checkPeriod(&v, in.Start, in.End, today)
	if err := v.Err(); err != nil {
		return StagePeriod{}, err
	}
	a, err := s.asyncState(ctx, st)
	if err != nil {
		return StagePeriod{}, err
	}
	if !a.Allowed {
		return StagePeriod{}, gateError(a)
	}
	sp := StagePeriod{Stage: in.Stage, Start: in.Start, End: in.End, SetBy: audit.ActorFrom(ctx).UserID}
	sp.Open = !today.Before(sp.Start) && !today.After(sp.End)
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_stage (court_id, case_id, stage, start_date, end_date, set_by, set_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (court_id, case_id, stage) DO UPDATE SET start_date = excluded.start_date,
			end_date = excluded.end_date, set_by = excluded.set_by, set_at = excluded.set_at`,
			st.c.CourtID, st.c.ID, sp.Stage, sp.Start.String(), sp.End.String(), sp.SetBy, tx.Now); err != nil {
			return err
		}
		detail := map[string]any{"stage": sp.Stage, "start": sp.Start.String(), "end": sp.End.String()}
		if err := enqueue(ctx, tx, st.c, EventStageSet, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.stage.set", CourtID: st.c.CourtID, CaseID: st.c.ID, Detail: detail})
	})
	if err != nil {
		return StagePeriod{}, err
	}
	return sp, nil
}

// SubmitStatement stores a party's recorded statement for a stage of the
// asynchronous trial (Art. 20 para 2: "按照庭审程序环节分别录制参与庭审视频
// 并上传至诉讼平台"): a recording (MP3, WAV or MP4, checked by content) or
// a typed text. Refused with gateError while the gate is not passed (the
// missing conditions named), with errs.Conflict
// ("exhibit.error.stage_closed") outside the stage's period. The caller is
// the party or its representative. A recording's SHA-256 goes out with
// EventStatement.
func (s *Service) SubmitStatement(ctx context.Context, caseID string, in StatementInput) (Statement, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Statement{}, err
	}
	pt, err := st.party(in.PartyID)
	if err != nil {
		return Statement{}, err
	}
	if !slices.Contains(StatementStages, in.Stage) {
		return Statement{}, errs.Fields(errs.Field("stage", "exhibit_stage"))
	}
	in.Text = strings.TrimSpace(in.Text)
	if in.Body == nil {
		var v errs.Collector
		checkText(&v, "text", in.Text, true, 20000)
		if err := v.Err(); err != nil {
			return Statement{}, err
		}
	}
	a, err := s.asyncState(ctx, st)
	if err != nil {
		return Statement{}, err
	}
	if !a.Allowed {
		return Statement{}, gateError(a)
	}
	i := slices.IndexFunc(a.Stages, func(sp StagePeriod) bool { return sp.Stage == in.Stage })
	if i < 0 || !a.Stages[i].Open {
		return Statement{}, errs.New(errs.Conflict, "exhibit.error.stage_closed")
	}
	m := Statement{ID: ids.New(), PartyID: pt.ID, PartyName: pt.Name, Stage: in.Stage, Kind: StatementText, Text: in.Text,
		SubmittedBy: audit.ActorFrom(ctx).UserID}
	if in.Body != nil {
		f, kind, size, err := s.spool(in.Body, recordingKinds)
		if err != nil {
			return Statement{}, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		ref, err := s.deps.Blobs.Put(ctx, f)
		if err != nil {
			return Statement{}, err
		}
		m.Kind, m.SHA256, m.Size, m.Text = kind, ref.SHA256, size, ""
	} else {
		m.Size = int64(len(m.Text))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		m.SubmittedAt = tx.Now
		if _, err := tx.Exec(ctx, `INSERT INTO exhibit_statement (court_id, id, case_id, party_id, stage, kind, sha256, size, body,
			submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, st.c.CourtID, m.ID, st.c.ID, m.PartyID, m.Stage,
			m.Kind, m.SHA256, m.Size, m.Text, m.SubmittedBy, m.SubmittedAt); err != nil {
			return err
		}
		detail := map[string]any{"statement_id": m.ID, "evidence_id": m.ID, "case_id": st.c.ID, "court_id": st.c.CourtID,
			"sha256": m.SHA256, "size": m.Size, "kind": m.Kind, "stage": m.Stage}
		if err := enqueue(ctx, tx, st.c, EventStatement, detail); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Record{Action: "exhibit.statement.submit", CourtID: st.c.CourtID, CaseID: st.c.ID, Target: m.ID, Detail: detail})
	})
	if err != nil {
		return Statement{}, err
	}
	return m, nil
}
