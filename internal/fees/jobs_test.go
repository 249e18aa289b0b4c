package fees_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/platform/jobs"
)

// TestOverdueJob runs the per-bill timer through the platform job runner:
// due at the start of the day after the due date, cancelled by payment.
func TestOverdueJob(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		s := fees.New(f.db, f.cases, f.courts, fees.WithGateway("sandbox", f.sb), fees.WithJobs())
		s.SetBaseURL(f.srv.URL)
		r := jobs.NewRunner(f.db, jobs.RunnerOptions{})
		s.RegisterJobs(r)
		c := f.newCase(t)
		if err := s.HandleAccepted(ctx, accepted(c, fees.Property, 10_000_000, "ordinary")); err != nil {
			t.Fatal(err)
		}
		c2 := f.newCase(t)
		if err := s.HandleAccepted(ctx, accepted(c2, fees.Property, 10_000_000, "ordinary")); err != nil {
			t.Fatal(err)
		}
		bills, _ := s.ListCaseBills(f.as("u-filer"), c.ID)
		paidBills, _ := s.ListCaseBills(f.as("u-filer"), c2.ID)
		b, pb := bills[0], paidBills[0]
		if n := f.count(t, `SELECT COUNT(*) FROM jobs_job WHERE kind = ? AND state = 'scheduled'`, fees.JobOverdue); n != 2 {
			t.Fatalf("%d scheduled timers, want 2", n)
		}
		// Paying cancels the second bill's timer (the callback goes to f.s,
		// which shares the database: use s's own handler instead).
		p, err := s.StartPayment(f.as("u-party"), pb.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.sb.Pay(p.GatewayRef); err != nil {
			t.Fatal(err)
		}
		for _, n := range f.sb.Held() {
			req, _ := f.sb.SignedRequest(ctx, n)
			body := n.Body
			if err := s.HandleCallback(ctx, "sandbox", req.Header, body); err != nil {
				t.Fatal(err)
			}
		}
		if n := f.count(t, `SELECT COUNT(*) FROM jobs_job WHERE kind = ? AND state = 'scheduled'`, fees.JobOverdue); n != 1 {
			t.Errorf("%d scheduled timers after payment, want 1", n)
		}
		// On the last day nothing is due; the next morning the timer fires.
		f.clk.Set(b.DueDate.Time().Add(12 * time.Hour))
		if n, _ := r.RunDue(ctx); n != 0 {
			t.Errorf("%d jobs ran on the last day", n)
		}
		f.clk.Set(b.DueDate.Time().Add(33 * time.Hour))
		if n, err := r.RunDue(ctx); n != 1 || err != nil {
			t.Errorf("RunDue = %d, %v", n, err)
		}
		if got := f.mustBill(t, b.ID).Status; got != fees.Overdue {
			t.Errorf("status %s", got)
		}
		if got := f.mustBill(t, pb.ID).Status; got != fees.Paid {
			t.Errorf("paid bill status %s", got)
		}
	})
}
