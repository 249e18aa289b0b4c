package delivery_test

import (
	"context"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/delivery"
)

// BenchmarkServeAndSent measures one document served on one party with
// consent (the record, its attempt and the notifier hand-over in one
// transaction) followed by the SMS channel's success (legal time of
// service, period, reminders, certificate job):
//
//	go test -run '^$' -bench ServeAndSent -benchtime 2000x ./internal/delivery/
func BenchmarkServeAndSent(b *testing.B) {
	sub := func(tb testing.TB, f *fixture) {
		c := f.newCase(tb, casefile.Ordinary)
		if _, err := f.s.SignConsent(f.as("u-defendant"), c.ID, delivery.ConsentForm{Electronic: true, Judgments: true,
			Channels: []delivery.Address{smsAddr}, Acknowledged: true}); err != nil {
			tb.Fatal(err)
		}
		ctx := f.as("u-clerk")
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			recs, err := f.s.Serve(ctx, delivery.ServeRequest{CaseID: c.ID, Document: doc(delivery.DocJudgment, true),
				Recipients: []delivery.RecipientSpec{{PartyID: defendant(c)}}})
			if err != nil {
				tb.Fatal(err)
			}
			if err := f.s.ChannelSent(context.Background(), recs[0].Attempts[0].Ref, delivery.SMS, t0, "p"); err != nil {
				tb.Fatal(err)
			}
		}
	}
	benchFixture(b, sub)
}
