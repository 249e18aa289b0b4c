package casefund

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// receivedPayload is the payload of EventReceived.
func receivedPayload(r Receipt) map[string]any {
	return map[string]any{"receipt_id": r.ID, "case_id": r.CaseID, "court_id": r.CourtID, "amount": r.Amount,
		"received_on": r.On.String(), "source": r.Source}
}

// Receive records money received for a case through the API (a payment
// gateway's or bank's notice, or staff entering a deposit), matched to the
// case at once, and emits EventReceived. Only the case court's enforcement
// officers and court administrators may. It is idempotent by Reference: the
// same reference with the same case, day, amount and payer returns the
// receipt already stored (and emits nothing); with other content it is
// errs.Invalid on "reference" ("casefund_reference_used"). Bad input is
// errs.Invalid with fields "received_on", "amount", "payer",
// "payer_account", "reference", "remark". Audited as
// "casefund.receipt.record".
func (s *Service) Receive(ctx context.Context, caseID string, in ReceiptInput) (Receipt, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Receipt{}, err
	}
	if err := st.requireMoney(); err != nil {
		return Receipt{}, err
	}
	in.Payer, in.PayerAccount, in.Reference, in.Remark = strings.TrimSpace(in.Payer), strings.TrimSpace(in.PayerAccount),
		strings.TrimSpace(in.Reference), strings.TrimSpace(in.Remark)
	var v errs.Collector
	switch {
	case !in.On.Valid():
		v.Add("received_on", "date")
	case in.On.After(s.today()):
		v.Add("received_on", "future")
	}
	if in.Amount <= 0 || in.Amount > delay.MaxAmount {
		v.Add("amount", "casefund_amount")
	}
	checkText(&v, "payer", in.Payer, true, 200)
	checkText(&v, "payer_account", in.PayerAccount, false, 64)
	checkText(&v, "reference", in.Reference, true, 64)
	checkText(&v, "remark", in.Remark, false, 500)
	if err := v.Err(); err != nil {
		return Receipt{}, err
	}
	actor := audit.ActorFrom(ctx).UserID
	var out Receipt
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		prev, err := receiptByRef(ctx, tx, st.c.CourtID, in.Reference)
		if err == nil {
			if prev.CaseID != st.c.ID || prev.On != in.On || prev.Amount != in.Amount || prev.Payer != in.Payer {
				return errs.Fields(errs.Field("reference", "casefund_reference_used"))
			}
			out = prev
			return nil
		}
		if errs.CodeOf(err) != errs.NotFound {
			return err
		}
		if err := s.open(ctx, tx, st.c); err != nil {
			return err
		}
		now := tx.Now
		r := Receipt{ID: ids.New(), CourtID: st.c.CourtID, CaseID: st.c.ID, BankRef: in.Reference, Source: SourceAPI, On: in.On,
			Amount: in.Amount, Payer: in.Payer, PayerAccount: in.PayerAccount, Remark: in.Remark, MatchedBy: actor, MatchedAt: &now,
			RecordedBy: actor, RecordedAt: now}
		if err := insertReceipt(ctx, tx, r); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, r.CourtID, r.CaseID, EventReceived, receivedPayload(r)); err != nil {
			return err
		}
		out = r
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.receipt.record", CourtID: r.CourtID, CaseID: r.CaseID, Target: r.ID,
			Detail: map[string]any{"amount": r.Amount, "received_on": r.On.String(), "source": r.Source}})
	})
	if err != nil {
		return Receipt{}, err
	}
	return maskReceipt(out), nil
}

// ImportStatement imports a bank statement of the court's case account
// (format: see ParseStatement) uploaded by an enforcement officer or court
// administrator of court courtID. Credit lines become receipts; a line
// whose remark names the number of a case with an open account at the
// court is matched to it and emits EventReceived; the others are kept
// unmatched for a clerk (Unmatched, Match). Lines already imported (same
// bank reference, same content) are counted as duplicates; a known
// reference with other content rejects the file ("lines.<n>.reference":
// "casefund_reference_used"). Nothing is stored when the file is refused.
// Audited as "casefund.statement.import" (detail: counts and SHA-256).
func (s *Service) ImportStatement(ctx context.Context, courtID, fileName string, body io.Reader) (Statement, error) {
	ctx = withActor(ctx)
	if _, err := requireCourtMoney(ctx, courtID); err != nil {
		return Statement{}, err
	}
	if body == nil {
		return Statement{}, errs.Fields(errs.Field("file", "required"))
	}
	data, err := io.ReadAll(io.LimitReader(body, s.opts.MaxStatementBytes+1))
	if err != nil {
		return Statement{}, errs.Wrap(errs.Invalid, "casefund.error.upload", err)
	}
	if int64(len(data)) > s.opts.MaxStatementBytes {
		return Statement{}, errs.Fields(errs.Field("file", "casefund_file_too_large", s.opts.MaxStatementBytes>>20))
	}
	if !sniffCSV(data) {
		return Statement{}, errs.Fields(errs.Field("file", "casefund_csv"))
	}
	lines, err := ParseStatement(bytes.NewReader(data), s.opts.MaxStatementLines)
	if err != nil {
		return Statement{}, err
	}
	sum := sha256.Sum256(data)
	if !utf8.ValidString(fileName) || utf8.RuneCountInString(fileName) > 200 {
		fileName = ""
	}
	actor := audit.ActorFrom(ctx).UserID
	var out Statement
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		st := Statement{ID: ids.New(), CourtID: courtID, SHA256: hex.EncodeToString(sum[:]), FileName: fileName, Lines: len(lines),
			ImportedBy: actor, ImportedAt: tx.Now, Unmatched: []Receipt{}}
		var v errs.Collector
		for _, l := range lines {
			if !l.Credit {
				st.Skipped++
				continue
			}
			prev, err := receiptByRef(ctx, tx, courtID, l.Reference)
			if err == nil {
				if prev.On != l.On || prev.Amount != l.Amount || prev.Payer != l.Payer {
					v.Add(fmt.Sprintf("lines.%d.reference", l.Line), "casefund_reference_used")
				}
				st.Duplicates++
				continue
			}
			if errs.CodeOf(err) != errs.NotFound {
				return err
			}
			r := Receipt{ID: ids.New(), CourtID: courtID, BankRef: l.Reference, Source: SourceStatement, StatementID: st.ID, Line: l.Line,
				On: l.On, Amount: l.Amount, Payer: l.Payer, PayerAccount: l.PayerAccount, Remark: l.Remark, RecordedBy: actor, RecordedAt: tx.Now}
			if number, ok := FindCaseNumber(l.Remark); ok {
				caseID, found, err := caseByNumberAt(ctx, tx, courtID, number)
				if err != nil {
					return err
				}
				if found {
					now := tx.Now
					r.CaseID, r.MatchedBy, r.MatchedAt = caseID, actor, &now
				}
			}
			if err := insertReceipt(ctx, tx, r); err != nil {
				return err
			}
			st.Added++
			if r.CaseID == "" {
				st.Unmatched = append(st.Unmatched, maskReceipt(r))
				continue
			}
			st.Matched++
			if err := enqueue(ctx, tx, r.CourtID, r.CaseID, EventReceived, receivedPayload(r)); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, audit.Record{Action: "casefund.receipt.record", CourtID: courtID, CaseID: r.CaseID, Target: r.ID,
				Detail: map[string]any{"amount": r.Amount, "received_on": r.On.String(), "source": r.Source, "statement_id": st.ID}}); err != nil {
				return err
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := insertStatement(ctx, tx, st); err != nil {
			return err
		}
		out = st
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.statement.import", CourtID: courtID, Target: st.ID,
			Detail: map[string]any{"sha256": st.SHA256, "lines": st.Lines, "added": st.Added, "duplicates": st.Duplicates,
				"skipped": st.Skipped, "matched": st.Matched}})
	})
	if err != nil {
		return Statement{}, err
	}
	return out, nil
}

// Unmatched lists the receipts of court courtID not matched to a case,
// oldest first, for the court's enforcement officers and administrators.
func (s *Service) Unmatched(ctx context.Context, courtID string) ([]Receipt, error) {
	if _, err := requireCourtMoney(ctx, courtID); err != nil {
		return nil, err
	}
	rs, err := queryReceipts(ctx, s.db, `court_id = ? AND case_id = ''`, courtID)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		rs[i] = maskReceipt(rs[i])
	}
	return rs, nil
}

// Match assigns an unmatched receipt to a case of the same court (a clerk
// read the payer or remark), opens the case's account if needed and emits
// EventReceived. Only enforcement officers and court administrators of the
// case's court may. A receipt already matched is errs.Conflict
// ("casefund.error.already_matched"); one of another court is not found.
// Audited as "casefund.receipt.match".
func (s *Service) Match(ctx context.Context, receiptID, caseID string) (Receipt, error) {
	ctx = withActor(ctx)
	st, err := s.authorize(ctx, caseID)
	if err != nil {
		return Receipt{}, err
	}
	if err := st.requireMoney(); err != nil {
		return Receipt{}, err
	}
	var out Receipt
	err = s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		r, err := receiptByID(ctx, tx, receiptID)
		if err != nil {
			return err
		}
		if r.CourtID != st.c.CourtID {
			return errs.New(errs.NotFound, "casefund.error.receipt_not_found")
		}
		if r.CaseID != "" {
			return errs.New(errs.Conflict, "casefund.error.already_matched")
		}
		if err := s.open(ctx, tx, st.c); err != nil {
			return err
		}
		now := tx.Now
		r.CaseID, r.MatchedBy, r.MatchedAt = st.c.ID, audit.ActorFrom(ctx).UserID, &now
		ok, err := matchReceipt(ctx, tx, r)
		if err != nil {
			return err
		}
		if !ok {
			return errs.New(errs.Conflict, "casefund.error.already_matched")
		}
		if err := enqueue(ctx, tx, r.CourtID, r.CaseID, EventReceived, receivedPayload(r)); err != nil {
			return err
		}
		out = r
		return audit.Append(ctx, tx, audit.Record{Action: "casefund.receipt.match", CourtID: r.CourtID, CaseID: r.CaseID, Target: r.ID,
			Detail: map[string]any{"amount": r.Amount, "received_on": r.On.String()}})
	})
	if err != nil {
		return Receipt{}, err
	}
	return maskReceipt(out), nil
}

func maskReceipt(r Receipt) Receipt {
	r.PayerAccount = maskAccount(r.PayerAccount)
	return r
}

// checkText records required and too_long problems of a text field.
func checkText(v *errs.Collector, field, s string, required bool, maxLen int) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Add(field, "required")
	case !utf8.ValidString(s):
		v.Add(field, "format")
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, "too_long", maxLen)
	}
}

// MatchNumber is Match for a clerk who reads a case number (full-width or
// ASCII brackets) rather than an ID: the case must have an account at
// court courtID, else errs.Invalid on "case_number" ("format" or
// "casefund_case_unknown").
func (s *Service) MatchNumber(ctx context.Context, receiptID, courtID, caseNumber string) (Receipt, error) {
	if _, err := requireCourtMoney(ctx, courtID); err != nil {
		return Receipt{}, err
	}
	number, ok := FindCaseNumber(caseNumber)
	if !ok {
		return Receipt{}, errs.Fields(errs.Field("case_number", "format"))
	}
	caseID, found, err := caseByNumberAt(ctx, s.db, courtID, number)
	if err != nil {
		return Receipt{}, err
	}
	if !found {
		return Receipt{}, errs.Fields(errs.Field("case_number", "casefund_case_unknown"))
	}
	return s.Match(ctx, receiptID, caseID)
}
