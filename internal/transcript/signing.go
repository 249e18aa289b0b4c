package transcript

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// purpose is the one-time-code purpose of signing a record: a code sent
// for one record (and round) is not accepted for another.
func purpose(r Record) string { return purposeStart + r.HearingID + ":" + strconv.Itoa(r.Round) }

// CloseForSigning closes the record for checking and signing (Online
// Litigation Rules Art. 33–34; CPL Art. 150): writing stops, a new signing
// round starts with the signers given (each must sign, object, or have a
// refusal recorded), and a one-time code is sent to each by SMS (job
// JobSendCode, after commit, retried). Signatures of an earlier round are
// void. It emits EventChanged ("closed_for_signing").
//
// Errors: as Append; invalid "signers" (none, too many, duplicate
// account, missing role or name, "need_judge_and_clerk" when no signer has
// a judge's role (审判长, 审判员, 人民陪审员, 代理审判员) or a clerk's
// (书记员, 法官助理)).
func (s *Service) CloseForSigning(ctx context.Context, hearingID string, signers []SignerSpec) (Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	switch {
	case len(signers) == 0:
		v.AddField(fieldErr("signers", "required"))
	case len(signers) > MaxSigners:
		v.AddField(fieldErr("signers", "too_many", MaxSigners))
	}
	seen := map[string]bool{}
	for i, sp := range signers {
		f := "signers[" + strconv.Itoa(i) + "]"
		checkText(&v, f+".account_id", sp.AccountID, true, 100)
		checkText(&v, f+".role", sp.Role, true, MaxSpeaker)
		checkText(&v, f+".name", sp.Name, true, 100)
		if seen[sp.AccountID] {
			v.AddField(fieldErr(f+".account_id", "duplicate"))
		}
		seen[sp.AccountID] = true
	}
	// CPL Art. 150 para 1: the record is signed by the judges and the clerk.
	judge := slices.ContainsFunc(signers, func(sp SignerSpec) bool { return slices.Contains(panelRoles, strings.TrimSpace(sp.Role)) })
	clerk := slices.ContainsFunc(signers, func(sp SignerSpec) bool { return slices.Contains(clerkRoles, strings.TrimSpace(sp.Role)) })
	if len(signers) > 0 && (!judge || !clerk) {
		v.AddField(fieldErr("signers", "need_judge_and_clerk"))
	}
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := transition(r.State, Signing); err != nil {
			return err
		}
		r.State, r.Round = Signing, r.Round+1
		if err := updateRecordState(ctx, tx, *r); err != nil {
			return err
		}
		for i, sp := range signers {
			sg := Signer{AccountID: sp.AccountID, Role: strings.TrimSpace(sp.Role), Name: strings.TrimSpace(sp.Name), State: Pending}
			if err := insertSigner(ctx, tx, *r, i, sg); err != nil {
				return err
			}
			if err := s.scheduleCode(ctx, tx, *r, sp.AccountID); err != nil {
				return err
			}
		}
		return changed(ctx, tx, *r, "closed_for_signing", "", map[string]any{"round": r.Round, "signers": len(signers)})
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, hearingID)
}

func (s *Service) scheduleCode(ctx context.Context, tx *sqldb.Tx, r Record, account string) error {
	key := r.HearingID + "/" + strconv.Itoa(r.Round) + "/" + account + "/" + ids.New()
	j := jobs.New(JobSendCode, key, tx.Now, codePayload{HearingID: r.HearingID, Round: r.Round, AccountID: account})
	j.CourtID, j.CaseID = r.CourtID, r.CaseID
	return jobs.Schedule(ctx, tx, j)
}

// Reopen takes a record being signed back to the clerk for correction
// (after an objection, CPL Art. 150 para 2). Every signature of the round
// is void; CloseForSigning must be called again, which asks everyone
// again. reason is recorded. It emits EventChanged ("reopened").
//
// Errors: as Append; invalid "reason"; conflict
// "transcript.error.state_open" or "…state_final".
func (s *Service) Reopen(ctx context.Context, hearingID, reason string) (Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	checkText(&v, "reason", reason, true, MaxReason)
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := transition(r.State, Open); err != nil {
			return err
		}
		r.State = Open
		if err := updateRecordState(ctx, tx, *r); err != nil {
			return err
		}
		return changed(ctx, tx, *r, "reopened", "", map[string]any{"round": r.Round, "reason": strings.TrimSpace(reason)})
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, hearingID)
}

// signerFor loads the record for a signer's own action: the caller must be
// a signer of the current round of a record being signed.
func (s *Service) signerFor(ctx context.Context, hearingID string) (Record, Signer, error) {
	r, err := s.Find(ctx, hearingID)
	if err != nil {
		return r, Signer{}, err
	}
	if err := requireState(r, Signing); err != nil {
		return r, Signer{}, err
	}
	for _, sg := range r.Signers {
		if sg.AccountID == actorOf(ctx) {
			return r, sg, nil
		}
	}
	return r, Signer{}, errs.New(errs.Forbidden, "transcript.error.not_signer")
}

// RequestCode sends the signed-in signer a new one-time code for the
// current round (the first is sent by CloseForSigning). The Codes
// implementation limits how often.
//
// Errors: as Find; conflict "transcript.error.state_…" unless signing;
// forbidden "transcript.error.not_signer"; the Codes' own errors
// (rate_limited).
func (s *Service) RequestCode(ctx context.Context, hearingID string) error {
	ctx = withActor(ctx)
	r, sg, err := s.signerFor(ctx, hearingID)
	if err != nil {
		return err
	}
	if sg.State == Signed || sg.State == Refused {
		return errs.New(errs.Conflict, "transcript.error.already_"+string(sg.State))
	}
	return s.deps.Codes.Send(ctx, sg.AccountID, purpose(r))
}

// Sign confirms the record as the signed-in signer with the one-time code
// sent by SMS (Online Litigation Rules Art. 33: 在线确认). A signer who
// objected may still sign. When every signer of the round has signed or
// has a recorded refusal, the record becomes final and its PDF is issued
// off the request path (JobIssue). It emits EventChanged ("signed") and,
// when final, EventFinal.
//
// Errors: as RequestCode; invalid "code" ("code_wrong") for a wrong,
// used or expired code; conflict "transcript.error.already_signed".
func (s *Service) Sign(ctx context.Context, hearingID, code string) (Record, error) {
	ctx = withActor(ctx)
	code = strings.TrimSpace(code)
	if code == "" {
		return Record{}, errs.Fields(fieldErr("code", "required"))
	}
	r, sg, err := s.signerFor(ctx, hearingID)
	if err != nil {
		return Record{}, err
	}
	if sg.State == Signed || sg.State == Refused {
		return Record{}, errs.New(errs.Conflict, "transcript.error.already_"+string(sg.State))
	}
	ok, err := s.deps.Codes.Check(ctx, sg.AccountID, purpose(r), code)
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, errs.Fields(fieldErr("code", "code_wrong"))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := lockRecord(ctx, tx, hearingID)
		if err != nil {
			return err
		}
		// The clerk may have reopened the record since the check.
		if cur.State != Signing || cur.Round != r.Round {
			return errs.New(errs.Conflict, "transcript.error.round_changed")
		}
		now := tx.Now
		sg.State, sg.SignedAt = Signed, &now
		if err := updateSigner(ctx, tx, cur, sg); err != nil {
			return err
		}
		if err := changed(ctx, tx, cur, "signed", "", map[string]any{"round": cur.Round, "signer": sg.AccountID}); err != nil {
			return err
		}
		return s.maybeFinal(ctx, tx, cur)
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, hearingID)
}

// Object records the signed-in signer's objection to the record (an
// application to correct it, CPL Art. 150 para 2). The objection is kept
// with the record and printed in it; the clerk then corrects and reopens
// (Reopen), or records a refusal to sign (Refuse), or the signer signs
// after all. It emits EventChanged ("objected").
//
// Errors: as RequestCode; invalid "text".
func (s *Service) Object(ctx context.Context, hearingID, text string) (Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	checkText(&v, "text", text, true, MaxText)
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	r, sg, err := s.signerFor(ctx, hearingID)
	if err != nil {
		return Record{}, err
	}
	if sg.State == Signed || sg.State == Refused {
		return Record{}, errs.New(errs.Conflict, "transcript.error.already_"+string(sg.State))
	}
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		cur, err := lockRecord(ctx, tx, hearingID)
		if err != nil {
			return err
		}
		if cur.State != Signing || cur.Round != r.Round {
			return errs.New(errs.Conflict, "transcript.error.round_changed")
		}
		o := Objection{ID: ids.New(), Round: cur.Round, AccountID: sg.AccountID, Role: sg.Role, Name: sg.Name,
			Text: strings.TrimSpace(text), At: tx.Now}
		if err := insertObjection(ctx, tx, cur, o); err != nil {
			return err
		}
		sg.State = Objected
		if err := updateSigner(ctx, tx, cur, sg); err != nil {
			return err
		}
		return changed(ctx, tx, cur, "objected", "", map[string]any{"round": cur.Round, "signer": sg.AccountID, "objection_id": o.ID})
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, hearingID)
}

// Refuse records, as the clerk or judge, that a signer refused to sign,
// with the circumstances (CPL Art. 150 para 3: 拒绝签名盖章的，记明情况附卷).
// A refusal counts towards finishing the round. It emits EventChanged
// ("refused") and, when it completes the round, EventFinal.
//
// Errors: as Append; invalid "reason", "account_id"; conflict
// "transcript.error.already_signed".
func (s *Service) Refuse(ctx context.Context, hearingID, accountID, reason string) (Record, error) {
	ctx = withActor(ctx)
	var v errs.Collector
	checkText(&v, "account_id", accountID, true, 100)
	checkText(&v, "reason", reason, true, MaxReason)
	if err := v.Err(); err != nil {
		return Record{}, err
	}
	err := s.write(ctx, hearingID, func(tx *sqldb.Tx, r *Record, _ standing) error {
		if err := requireState(*r, Signing); err != nil {
			return err
		}
		signers, err := listSigners(ctx, tx, r.CourtID, r.HearingID, r.Round)
		if err != nil {
			return err
		}
		for _, sg := range signers {
			if sg.AccountID != accountID {
				continue
			}
			if sg.State == Signed || sg.State == Refused {
				return errs.New(errs.Conflict, "transcript.error.already_"+string(sg.State))
			}
			sg.State, sg.Reason, sg.RecordedBy = Refused, strings.TrimSpace(reason), actorOf(ctx)
			if err := updateSigner(ctx, tx, *r, sg); err != nil {
				return err
			}
			if err := changed(ctx, tx, *r, "refused", "", map[string]any{"round": r.Round, "signer": accountID,
				"reason": sg.Reason}); err != nil {
				return err
			}
			return s.maybeFinal(ctx, tx, *r)
		}
		return errs.Fields(fieldErr("account_id", "not_a_signer"))
	})
	if err != nil {
		return Record{}, err
	}
	return s.Find(ctx, hearingID)
}

// maybeFinal makes the record final when every signer of the round has
// signed or has a recorded refusal, and schedules the issue of its PDF.
func (s *Service) maybeFinal(ctx context.Context, tx *sqldb.Tx, r Record) error {
	signers, err := listSigners(ctx, tx, r.CourtID, r.HearingID, r.Round)
	if err != nil {
		return err
	}
	for _, sg := range signers {
		if sg.State != Signed && sg.State != Refused {
			return nil
		}
	}
	if err := transition(r.State, Final); err != nil {
		return err
	}
	now := tx.Now
	r.State, r.FinalAt = Final, &now
	if err := updateRecordState(ctx, tx, r); err != nil {
		return err
	}
	if err := changed(ctx, tx, r, "final", "", map[string]any{"round": r.Round}); err != nil {
		return err
	}
	if err := enqueue(ctx, tx, EventFinal, r, map[string]any{"hearing_id": r.HearingID, "round": r.Round}); err != nil {
		return err
	}
	if s.deps.Issuer == nil {
		return nil
	}
	j := jobs.New(JobIssue, issueKey(r), tx.Now, issuePayload{HearingID: r.HearingID})
	j.CourtID, j.CaseID = r.CourtID, r.CaseID
	return jobs.Schedule(ctx, tx, j)
}

// issueKey is the job key and the Issuer's idempotency key of a final
// record: one document per hearing record.
func issueKey(r Record) string { return "transcript:" + r.HearingID + ":" + strconv.Itoa(r.Round) }
