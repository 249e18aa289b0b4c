package court

import (
	"context"
	"fmt"

	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// datasetName names the court list in court_dataset.
const datasetName = "courts"

// SeedResult says what Seed changed.
type SeedResult struct {
	Version  string
	Inserted []string // codes
	Updated  []string // codes
}

// Seed applies the service's court list to the database in one transaction
// and refreshes the cache: courts missing by code are inserted (with
// SeedID's stable ID), courts whose data changed are updated, nothing is
// deleted (a court no longer in the list keeps its row and its cases). Each
// insert and update writes an audit entry (court.court.created / .updated,
// platform chain) and an outbox event (ecourt.court.court.created /
// .updated). Run it at every start: with nothing to change it writes
// nothing. Concurrent starters are safe: inserts skip codes that exist.
func (s *Service) Seed(ctx context.Context) (SeedResult, error) {
	res := SeedResult{Version: s.data.Version}
	var final []Court
	err := s.db.Tx(ctx, func(tx *sqldb.Tx) error {
		res.Inserted, res.Updated = nil, nil // a retried transaction starts over
		existing, err := loadCourts(ctx, tx)
		if err != nil {
			return err
		}
		byCode := make(map[string]int, len(existing))
		for i, c := range existing {
			byCode[c.Code] = i
		}
		idOf := func(code string) string {
			if code == "" {
				return ""
			}
			return existing[byCode[code]].ID // parents come first, so present
		}
		for _, sc := range s.data.Courts {
			want := Court{
				Code: sc.Code, NameZH: sc.NameZH, NameEN: sc.NameEN, Level: sc.Level, Kind: sc.Kind,
				ParentID: idOf(sc.Parent), Province: sc.Province, RegionCode: sc.RegionCode,
				Address: sc.Address, Phone: sc.Phone, Active: sc.Active, ValidFrom: sc.ValidFrom, Note: sc.Note,
			}
			// The appeal court is normally the parent; the data names it where not.
			want.AppealCourtID = want.ParentID
			if sc.Appeal != "" {
				want.AppealCourtID = idOf(sc.Appeal)
			}
			i, ok := byCode[sc.Code]
			if !ok {
				want.ID = SeedID(sc.Code, sc.ValidFrom)
				want.CreatedAt, want.UpdatedAt = tx.Now, tx.Now
				inserted, err := insertCourt(ctx, tx, want)
				if err != nil {
					return fmt.Errorf("court: seed %s: %w", sc.Code, err)
				}
				if !inserted {
					// Another starter inserted it since we read; Tx retries an
					// Unavailable error from the start, which then sees its row.
					return errs.Wrap(errs.Unavailable, "", fmt.Errorf("court: seed %s: inserted concurrently", sc.Code))
				}
				byCode[sc.Code] = len(existing)
				existing = append(existing, want)
				res.Inserted = append(res.Inserted, sc.Code)
				if err := record(ctx, tx, "created", want, nil); err != nil {
					return err
				}
				continue
			}
			have := existing[i]
			changed := diff(have, want)
			if len(changed) == 0 {
				continue
			}
			want.ID, want.CreatedAt, want.UpdatedAt = have.ID, have.CreatedAt, tx.Now
			if err := updateCourt(ctx, tx, want); err != nil {
				return fmt.Errorf("court: seed %s: %w", sc.Code, err)
			}
			existing[i] = want
			res.Updated = append(res.Updated, sc.Code)
			if err := record(ctx, tx, "updated", want, changed); err != nil {
				return err
			}
		}
		v, err := datasetVersion(ctx, tx, datasetName)
		if err != nil {
			return err
		}
		if v != s.data.Version {
			if err := putDataset(ctx, tx, datasetName, s.data.Version, s.data.Effective); err != nil {
				return err
			}
		}
		final = existing
		return nil
	})
	if err != nil {
		return SeedResult{}, err
	}
	s.loadMu.Lock()
	s.snap.Store(newSnapshot(final))
	s.loadMu.Unlock()
	return res, nil
}

// diff names the data fields in which have differs from want.
func diff(have, want Court) []string {
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("name_zh", have.NameZH != want.NameZH)
	add("name_en", have.NameEN != want.NameEN)
	add("level", have.Level != want.Level)
	add("kind", have.Kind != want.Kind)
	add("parent_id", have.ParentID != want.ParentID)
	add("appeal_court_id", have.AppealCourtID != want.AppealCourtID)
	add("province", have.Province != want.Province)
	add("region_code", have.RegionCode != want.RegionCode)
	add("address", have.Address != want.Address)
	add("phone", have.Phone != want.Phone)
	add("active", have.Active != want.Active)
	add("valid_from", have.ValidFrom != want.ValidFrom)
	add("note", have.Note != want.Note)
	return out
}

// courtEvent is the payload of ecourt.court.court.created and .updated.
type courtEvent struct {
	ID      string   `json:"id"`
	Code    string   `json:"code"`
	Level   Level    `json:"level"`
	Kind    Kind     `json:"kind"`
	Changed []string `json:"changed,omitempty"`
}

func record(ctx context.Context, tx *sqldb.Tx, verb string, c Court, changed []string) error {
	p := courtEvent{ID: c.ID, Code: c.Code, Level: c.Level, Kind: c.Kind, Changed: changed}
	if err := audit.Append(ctx, tx, audit.Record{Action: "court.court." + verb, Target: c.ID, Detail: p}); err != nil {
		return err
	}
	ev := bus.NewEvent("ecourt.court.court."+verb, p)
	ev.CourtID = c.ID
	return bus.Enqueue(ctx, tx, ev)
}
