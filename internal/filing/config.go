package filing

import (
	_ "embed"
	"encoding/json"
)

//go:embed data/config.json
var configJSON []byte

// config is data/config.json: evidence size limits, the jurisdiction
// thresholds of the court warnings, the correction checklist and the
// statutory periods.
type config struct {
	Version        string           `json:"version"`
	EvidenceLimits map[string]int64 `json:"-"`
	RawLimits      map[string]any   `json:"evidence_limits"`
	MaxItems       int              `json:"max_evidence_items"`
	Jurisdiction   struct {
		BasicMaxSame  int64 `json:"basic_max_fen_same_province"`
		BasicMaxCross int64 `json:"basic_max_fen_cross_province"`
	} `json:"jurisdiction"`
	CorrectionItems   []string `json:"correction_items"`
	CorrectionDueDays int      `json:"correction_due_days"`
	// DecisionDays is CPL Art. 126's period: 7 days to decide on a complaint.
	DecisionDays int `json:"decision_days"`
	// AppealDays is CPL Art. 171's period to appeal a ruling: 10 days.
	AppealDays int `json:"appeal_days"`
}

func loadConfig() config {
	var c config
	if err := json.Unmarshal(configJSON, &c); err != nil {
		panic("filing: data/config.json: " + err.Error())
	}
	c.EvidenceLimits = map[string]int64{}
	for k, v := range c.RawLimits {
		if n, ok := v.(float64); ok {
			c.EvidenceLimits[k] = int64(n)
		}
	}
	for _, k := range Kinds {
		if c.EvidenceLimits[k] <= 0 {
			panic("filing: data/config.json: no size limit for " + k)
		}
	}
	return c
}
