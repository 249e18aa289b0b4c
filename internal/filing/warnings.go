package filing

import (
	"context"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/identity/idnum"
)

// Warning is a reason to double-check that does not stop a submission:
// the court looks wrong for the amount, for the parties' addresses, or for
// the kind of case. Key is its message, with Args.
type Warning struct {
	Code string `json:"code"`
	Key  string `json:"-"`
	Args []any  `json:"-"`
}

// The warning codes.
const (
	WarnAmountHigh     = "amount_high"    // a basic court and an amount above its level's limit
	WarnAmountLow      = "amount_low"     // an intermediate court and an amount a basic court hears
	WarnRegion         = "region"         // no party lives or is registered in the court's region
	WarnMaritimeCourt  = "maritime_court" // a maritime case at a court that is not a maritime court
	WarnNotMaritime    = "not_maritime"   // a general case at a maritime court
	WarnCourtLevelHigh = "court_level"    // first instance at a high court or the SPC
)

func warn(code string, args ...any) Warning {
	return Warning{Code: code, Key: "filing.warning." + code, Args: args}
}

// warnings computes the warnings of a. They are heuristics on data that
// varies by province (see data/config.json): the filer may still file.
func (s *Service) warnings(ctx context.Context, a *Application, now time.Time) []Warning {
	out := []Warning{}
	c, err := s.deps.Courts.Find(ctx, a.CourtID)
	if err != nil {
		return out
	}
	t, err := findTemplate(a.TemplateID, a.TemplateVersion)
	if err != nil {
		return out
	}
	maritimeCase := t.CourtKind == string(court.Maritime)
	switch {
	case maritimeCase && c.Kind != court.Maritime:
		// 海事诉讼特别程序法 Art. 4: maritime cases go to the maritime courts.
		out = append(out, warn(WarnMaritimeCourt))
	case !maritimeCase && c.Kind == court.Maritime:
		out = append(out, warn(WarnNotMaritime))
	}
	if c.Level == court.High || c.Level == court.Supreme {
		out = append(out, warn(WarnCourtLevelHigh))
	}
	amount := a.ClaimTotalFen
	if amount == 0 {
		if cp, _, err := buildComplaint(a, now); err == nil {
			amount = cp.ClaimTotalFen
		}
	}
	regions := partyRegions(a.Parties)
	province := c.Province
	cross := false
	for _, r := range regions {
		if province != "" && !strings.HasPrefix(r, province) {
			cross = true
		}
	}
	limit := s.cfg.Jurisdiction.BasicMaxSame
	if cross {
		limit = s.cfg.Jurisdiction.BasicMaxCross
	}
	if c.Kind == court.General || c.Kind == court.Internet || c.Kind == court.Financial {
		switch {
		case (c.Level == court.Basic || c.Level == court.Tribunal) && amount >= limit:
			out = append(out, warn(WarnAmountHigh, limit/100/10000))
		case c.Level == court.Intermediate && amount > 0 && amount < limit:
			out = append(out, warn(WarnAmountLow, limit/100/10000))
		}
	}
	if !inRegion(ctx, s.deps.Courts, c, a.Parties, regions) {
		out = append(out, warn(WarnRegion))
	}
	return out
}

// partyRegions returns the GB/T 2260 codes found in the parties' identity
// numbers: digits 1–6 of a resident ID, digits 3–8 of a USCC.
func partyRegions(ps []Party) []string {
	var out []string
	for _, p := range ps {
		switch p.IDType {
		case "resident_id":
			if id, err := idnum.ParseResidentID(p.IDNumber); err == nil {
				out = append(out, id.Region)
			}
		case "uscc":
			if u, err := idnum.ParseUSCC(p.IDNumber); err == nil {
				out = append(out, u.Region)
			}
		}
	}
	return out
}

// inRegion reports whether some party seems to be in the court's region:
// an identity region with the court's region prefix, or an address that
// names the court's place. Courts without a region (specialised courts)
// and parties without addresses or regions give no warning.
func inRegion(ctx context.Context, courts Courts, c court.Court, ps []Party, regions []string) bool {
	if c.Level == court.Tribunal && c.ParentID != "" {
		if p, err := courts.Find(ctx, c.ParentID); err == nil {
			c = p
		}
	}
	prefix := regionPrefix(c)
	if prefix == "" {
		return true
	}
	known := len(regions) > 0
	for _, r := range regions {
		if strings.HasPrefix(r, prefix) {
			return true
		}
	}
	place := placeName(c.NameZH)
	for _, p := range ps {
		if p.Address == "" {
			continue
		}
		known = true
		if place != "" && strings.Contains(p.Address, place) {
			return true
		}
	}
	return !known
}

// regionPrefix is the part of a court's GB/T 2260 code its region covers:
// 2 digits for a high court, 4 for an intermediate court, 6 for a basic
// court.
func regionPrefix(c court.Court) string {
	r := c.RegionCode
	if len(r) != 6 {
		return ""
	}
	switch c.Level {
	case court.High:
		return r[:2]
	case court.Intermediate:
		if strings.HasSuffix(r, "00") {
			return r[:4]
		}
	}
	return r
}

// placeName takes the place out of a court's name: 象山县人民法院 → 象山县,
// 宁波市中级人民法院 → 宁波市, 宁波市镇海区人民法院 → 镇海区.
func placeName(name string) string {
	for _, suffix := range []string{"中级人民法院", "高级人民法院", "人民法院"} {
		if p, ok := strings.CutSuffix(name, suffix); ok {
			name = p
			break
		}
	}
	// The last administrative unit: after 市 when a 区/县 follows.
	if i := strings.LastIndex(name, "市"); i >= 0 && i+len("市") < len(name) {
		name = name[i+len("市"):]
	}
	return name
}
