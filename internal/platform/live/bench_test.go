package live

import (
	"strconv"
	"testing"
)

// BenchmarkPublish publishes one message to each of 10,000 topics with 6
// subscribers each (60,000 queued deliveries per op), the in-process part
// of bench/fanout; the subscribers' queues are emptied between ops.
func BenchmarkPublish(b *testing.B) {
	const topics, per = 10000, 6
	h := NewHub(Options{})
	names := make([]string, topics)
	var subs []*Subscription
	for i := range names {
		names[i] = "enforcement:" + strconv.Itoa(i) + ":applicant"
		for range per {
			subs = append(subs, h.Subscribe([]string{names[i]}))
		}
	}
	data := []byte(`{"kind":"seizure","text":"查封被执行人名下房产一套","at":"2026-11-26T23:00:00Z"}`)
	b.ReportAllocs()
	for b.Loop() {
		for i, t := range names {
			h.Publish(t, Message{ID: strconv.Itoa(i), Event: "node", Data: data})
		}
		b.StopTimer()
		for _, s := range subs {
			s.take()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(topics*per)*float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
