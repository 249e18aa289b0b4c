package court_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/sqldb/sqldbtest"
)

func TestComputePeriod(t *testing.T) {
	// A typhoon closure of the Xiangshan court on Friday 2026-07-10.
	local, err := calendar.Default().With(strings.NewReader(`{"format":1,"years":{},"closures":[
		{"from":"2026-07-10","to":"2026-07-10","name":"台风停止办公","court":"象山县人民法院"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d := calendar.MustParseDate
	sqldbtest.ForEach(t, sqldbtest.Options{}, sets, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := seeded(t, db, court.WithLocalCalendar("浙0225", local))
		xiangshan := mustCode(t, s, "浙0225").ID
		tests := []struct {
			name        string
			req         court.PeriodRequest
			end         string
			skipped     []string
			provisional bool
		}{
			// CPL Art. 171: 15 days to appeal a judgment, served 2026-09-20.
			{"national day", court.PeriodRequest{Start: d("2026-09-20"), Days: 15}, "2026-10-08",
				[]string{"2026-10-05", "2026-10-06", "2026-10-07"}, false},
			{"plain weekday", court.PeriodRequest{Start: d("2026-03-02"), Days: 10}, "2026-03-12", nil, false},
			{"weekend", court.PeriodRequest{Start: d("2026-03-06"), Days: 15}, "2026-03-23", []string{"2026-03-21", "2026-03-22"}, false},
			// 2026-09-20 (Sun) is an adjusted working day: no roll.
			{"adjusted working sunday", court.PeriodRequest{Start: d("2026-09-10"), Days: 10}, "2026-09-20", nil, false},
			// CPL Art. 164: three months of simplified procedure.
			{"months", court.PeriodRequest{Start: d("2026-05-28"), Months: 3}, "2026-08-28", nil, false},
			{"provisional 2027", court.PeriodRequest{Start: d("2026-12-20"), Days: 30}, "2027-01-19", nil, true},
			{"local closure", court.PeriodRequest{Start: d("2026-06-30"), Days: 10, CourtID: xiangshan}, "2026-07-13",
				[]string{"2026-07-10", "2026-07-11", "2026-07-12"}, false},
			{"tribunal uses its basic court's calendar", court.PeriodRequest{Start: d("2026-06-30"), Days: 10, CourtID: "浙0225-石浦"}, "2026-07-13",
				[]string{"2026-07-10", "2026-07-11", "2026-07-12"}, false},
			{"national calendar without court", court.PeriodRequest{Start: d("2026-06-30"), Days: 10}, "2026-07-10", nil, false},
		}
		for _, tt := range tests {
			p, err := s.ComputePeriod(ctx, tt.req)
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			var skipped []string
			for _, sd := range p.Skipped {
				skipped = append(skipped, sd.Date.String())
			}
			if p.End.String() != tt.end || !slices.Equal(skipped, tt.skipped) || p.Provisional != tt.provisional {
				t.Errorf("%s: got end %s skipped %v provisional %v, want %s %v %v", tt.name, p.End, skipped, p.Provisional, tt.end, tt.skipped, tt.provisional)
			}
		}
		for _, req := range []court.PeriodRequest{
			{Start: d("2026-01-05")},
			{Start: d("2026-01-05"), Days: 3, Months: 1},
			{Start: d("2026-01-05"), Days: -1},
			{Start: d("2026-01-05"), Months: court.MaxPeriodMonths + 1},
			{Start: calendar.NewDate(2026, 2, 30), Days: 3},
			{Start: d("2026-01-05"), Days: 3, CourtID: "01890000-0000-7000-8000-000000000000"},
		} {
			if _, err := s.ComputePeriod(ctx, req); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("%+v: got %v, want invalid", req, err)
			}
		}
	})
}
