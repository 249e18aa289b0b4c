package enforcement

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

func loadCourtKinds(ctx context.Context, q sqldb.Querier, courtID string) ([]Kind, error) {
	rows, err := q.Query(ctx, `SELECT code, name_zh, name_en, category, audience, masked, sms, delayed FROM enforcement_node_kind
		WHERE court_id = ? ORDER BY created_at, code`, courtID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Kind
	for rows.Next() {
		k := Kind{Court: courtID}
		var aud, mask string
		if err := rows.Scan(&k.Code, &k.NameZH, &k.NameEN, &k.Category, &aud, &mask, &k.SMS, &k.Delayed); err != nil {
			return nil, err
		}
		k.Audience, k.Mask = splitList(aud), splitList(mask)
		out = append(out, k)
	}
	return out, rows.Err()
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func insertCourtKind(ctx context.Context, tx *sqldb.Tx, k Kind, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_node_kind (court_id, code, name_zh, name_en, category, audience, masked, sms,
		delayed, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, k.Court, k.Code, k.NameZH, k.NameEN, k.Category,
		strings.Join(k.Audience, ","), strings.Join(k.Mask, ","), k.SMS, k.Delayed, by, tx.Now)
	return err
}

const nodeCols = `court_id, id, case_id, seq, kind, catalogue, text, amount_fen, fields, lat_e6, lon_e6, accuracy_m, device_at,
	recorded_by, recorded_at, disclosed, disclosed_at`

func insertNode(ctx context.Context, tx *sqldb.Tx, n Node) error {
	fields, _ := json.Marshal(n.Fields)
	var lat, lon *int64
	var acc *int
	if n.Position != nil {
		lat, lon, acc = &n.Position.LatE6, &n.Position.LonE6, &n.Position.AccuracyM
	}
	var source *string
	if n.source != "" {
		source = &n.source
	}
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_node (`+nodeCols+`, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.CourtID, n.ID, n.CaseID, n.Seq, n.Kind, n.Catalogue, n.Text, n.AmountFen, string(fields), lat, lon, acc, n.DeviceAt,
		n.RecordedBy, n.RecordedAt, n.Disclosed, n.DisclosedAt, source)
	return err
}

// nodeBySource finds the node a case already has for source
// (errs.NotFound when none).
func nodeBySource(ctx context.Context, q sqldb.Querier, courtID, caseID, source string) (Node, error) {
	var id string
	err := q.QueryRow(ctx, `SELECT id FROM enforcement_node WHERE court_id = ? AND case_id = ? AND source = ?`,
		courtID, caseID, source).Scan(&id)
	if err != nil {
		return Node{}, err
	}
	return loadNode(ctx, q, id)
}

func scanNode(r scanner) (Node, error) {
	var n Node
	var fields string
	var lat, lon *int64
	var acc *int
	var dev, disc *time.Time
	err := r.Scan(&n.CourtID, &n.ID, &n.CaseID, &n.Seq, &n.Kind, &n.Catalogue, &n.Text, &n.AmountFen, &fields, &lat, &lon, &acc,
		&dev, &n.RecordedBy, &n.RecordedAt, &n.Disclosed, &disc)
	if err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(fields), &n.Fields); err != nil {
		return n, err
	}
	if lat != nil && lon != nil {
		n.Position = &Position{LatE6: *lat, LonE6: *lon}
		if acc != nil {
			n.Position.AccuracyM = *acc
		}
	}
	n.DeviceAt, n.DisclosedAt, n.RecordedAt = utcPtr(dev), utcPtr(disc), n.RecordedAt.UTC()
	return n, nil
}

func loadNodes(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Node, error) {
	rows, err := q.Query(ctx, `SELECT `+nodeCols+` FROM enforcement_node WHERE court_id = ? AND case_id = ? ORDER BY seq`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	var out []Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	atts, err := loadAttachments(ctx, q, courtID, caseID, "node")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Attachments = atts[out[i].ID]
	}
	return out, nil
}

func loadNode(ctx context.Context, q sqldb.Querier, id string) (Node, error) {
	n, err := scanNode(q.QueryRow(ctx, `SELECT `+nodeCols+` FROM enforcement_node WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return n, errs.New(errs.NotFound, "enforcement.error.node_not_found")
	}
	if err != nil {
		return n, err
	}
	atts, err := loadAttachments(ctx, q, n.CourtID, n.CaseID, "node")
	n.Attachments = atts[n.ID]
	return n, err
}

func nextNodeSeq(ctx context.Context, tx *sqldb.Tx, courtID, caseID string) (int, error) {
	var seq int
	err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM enforcement_node WHERE court_id = ? AND case_id = ?`, courtID, caseID).Scan(&seq)
	return seq, err
}

func discloseNode(ctx context.Context, tx *sqldb.Tx, n Node) error {
	_, err := tx.Exec(ctx, `UPDATE enforcement_node SET disclosed = ?, disclosed_at = ? WHERE court_id = ? AND id = ? AND disclosed = ?`,
		true, n.DisclosedAt, n.CourtID, n.ID, false)
	return err
}

func insertAttachment(ctx context.Context, tx *sqldb.Tx, courtID, caseID, owner, ownerID string, seq int, a Attachment) error {
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_attachment (court_id, id, case_id, owner, owner_id, seq, kind, file_name, sha256,
		size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, courtID, a.ID, caseID, owner, ownerID, seq, a.Kind, a.FileName,
		a.SHA256, a.Size, tx.Now)
	return err
}

// loadAttachments returns the attachments of a case's nodes or leads by
// owner ID, in order.
func loadAttachments(ctx context.Context, q sqldb.Querier, courtID, caseID, owner string) (map[string][]Attachment, error) {
	rows, err := q.Query(ctx, `SELECT owner_id, id, kind, file_name, sha256, size FROM enforcement_attachment
		WHERE court_id = ? AND case_id = ? AND owner = ? ORDER BY owner_id, seq`, courtID, caseID, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Attachment{}
	for rows.Next() {
		var id string
		var a Attachment
		if err := rows.Scan(&id, &a.ID, &a.Kind, &a.FileName, &a.SHA256, &a.Size); err != nil {
			return nil, err
		}
		out[id] = append(out[id], a)
	}
	return out, rows.Err()
}

// loadAttachment returns one attachment with its owner.
func loadAttachment(ctx context.Context, q sqldb.Querier, id string) (a Attachment, caseID, owner, ownerID string, err error) {
	err = q.QueryRow(ctx, `SELECT id, kind, file_name, sha256, size, case_id, owner, owner_id FROM enforcement_attachment WHERE id = ?`, id).
		Scan(&a.ID, &a.Kind, &a.FileName, &a.SHA256, &a.Size, &caseID, &owner, &ownerID)
	if errs.CodeOf(err) == errs.NotFound {
		err = errs.New(errs.NotFound, "enforcement.error.attachment_not_found")
	}
	return
}

const leadCols = `court_id, id, case_id, party_id, kind, text, lat_e6, lon_e6, accuracy_m, submitted_by, submitted_at, due_on,
	state, answer, answered_by, answered_at`

func insertLead(ctx context.Context, tx *sqldb.Tx, l Lead) error {
	var lat, lon *int64
	var acc *int
	if l.Position != nil {
		lat, lon, acc = &l.Position.LatE6, &l.Position.LonE6, &l.Position.AccuracyM
	}
	_, err := tx.Exec(ctx, `INSERT INTO enforcement_lead (`+leadCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.CourtID, l.ID, l.CaseID, l.PartyID, l.Kind, l.Text, lat, lon, acc, l.SubmittedBy, l.SubmittedAt, l.DueOn.String(),
		l.State, l.Answer, l.AnsweredBy, l.AnsweredAt)
	return err
}

func scanLead(r scanner) (Lead, error) {
	var l Lead
	var lat, lon *int64
	var acc *int
	var due string
	var ans *time.Time
	err := r.Scan(&l.CourtID, &l.ID, &l.CaseID, &l.PartyID, &l.Kind, &l.Text, &lat, &lon, &acc, &l.SubmittedBy, &l.SubmittedAt,
		&due, &l.State, &l.Answer, &l.AnsweredBy, &ans)
	if err != nil {
		return l, err
	}
	if l.DueOn, err = calendar.ParseDate(due); err != nil {
		return l, err
	}
	if lat != nil && lon != nil {
		l.Position = &Position{LatE6: *lat, LonE6: *lon}
		if acc != nil {
			l.Position.AccuracyM = *acc
		}
	}
	l.SubmittedAt, l.AnsweredAt = l.SubmittedAt.UTC(), utcPtr(ans)
	return l, nil
}

func loadLeads(ctx context.Context, q sqldb.Querier, courtID, caseID string) ([]Lead, error) {
	rows, err := q.Query(ctx, `SELECT `+leadCols+` FROM enforcement_lead WHERE court_id = ? AND case_id = ? ORDER BY submitted_at, id`, courtID, caseID)
	if err != nil {
		return nil, err
	}
	var out []Lead
	for rows.Next() {
		l, err := scanLead(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	atts, err := loadAttachments(ctx, q, courtID, caseID, "lead")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Attachments = atts[out[i].ID]
		if out[i].Attachments == nil {
			out[i].Attachments = []Attachment{}
		}
	}
	return out, nil
}

func loadLead(ctx context.Context, q sqldb.Querier, id string) (Lead, error) {
	l, err := scanLead(q.QueryRow(ctx, `SELECT `+leadCols+` FROM enforcement_lead WHERE id = ?`, id))
	if errs.CodeOf(err) == errs.NotFound {
		return l, errs.New(errs.NotFound, "enforcement.error.lead_not_found")
	}
	if err != nil {
		return l, err
	}
	atts, err := loadAttachments(ctx, q, l.CourtID, l.CaseID, "lead")
	l.Attachments = atts[l.ID]
	if l.Attachments == nil {
		l.Attachments = []Attachment{}
	}
	return l, err
}

// answerLead moves a lead from state from; it reports false when another
// answer came first.
func answerLead(ctx context.Context, tx *sqldb.Tx, l Lead, from string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE enforcement_lead SET state = ?, answer = ?, answered_by = ?, answered_at = ?
		WHERE court_id = ? AND id = ? AND state = ?`, l.State, l.Answer, l.AnsweredBy, l.AnsweredAt, l.CourtID, l.ID, from)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// pendingLeadCounts returns, for the cases of an officer, the number of
// unanswered leads and of those past their answer day.
func pendingLeadCounts(ctx context.Context, q sqldb.Querier, account string, today calendar.Date) (map[string][2]int, error) {
	rows, err := q.Query(ctx, `SELECT l.case_id, l.due_on FROM enforcement_lead l
		JOIN enforcement_officer o ON o.court_id = l.court_id AND o.case_id = l.case_id
		WHERE o.account_id = ? AND l.state = ?`, account, LeadPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][2]int{}
	for rows.Next() {
		var caseID, due string
		if err := rows.Scan(&caseID, &due); err != nil {
			return nil, err
		}
		c := out[caseID]
		c[0]++
		if d, err := calendar.ParseDate(due); err == nil && today.After(d) {
			c[1]++
		}
		out[caseID] = c
	}
	return out, rows.Err()
}
