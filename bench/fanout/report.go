package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A round's figures, their printing and the summary table.

type round struct {
	Target        string  `json:"target"`
	Round         int     `json:"round"`
	Expected      int     `json:"expected"`
	Open          int64   `json:"open"`   // streams open at the start of the round
	Failed        int64   `json:"failed"` // streams that could not be opened
	Delivered     int     `json:"delivered"`
	PublishMS     float64 `json:"publish_ms"` // start of round → last publish (or save) request answered
	T50MS         float64 `json:"t50_ms"`
	T95MS         float64 `json:"t95_ms"`
	T100MS        float64 `json:"t100_ms"`
	PerSecond     float64 `json:"deliveries_per_s"`
	LatP50MS      float64 `json:"lat_p50_ms"`
	LatP95MS      float64 `json:"lat_p95_ms"`
	LatP99MS      float64 `json:"lat_p99_ms"`
	LatMaxMS      float64 `json:"lat_max_ms"`
	ServerCPUS    float64 `json:"server_cpu_s"`
	NodesPerS     float64 `json:"nodes_per_s,omitempty"` // bus, node: nodes saved ÷ time to the last delivery
	SavedPerS     float64 `json:"saved_per_s,omitempty"` // bus, node: nodes saved ÷ time to save them
	InboxMS       float64 `json:"inbox_ms,omitempty"`    // node: start of round → every node's inbox rows exist
	SeedS         float64 `json:"seed_s,omitempty"`      // node: seeding the cases (not measured in the round)
	LiveDropped   int64   `json:"live_dropped,omitempty"`
	Lagged        int64   `json:"lagged,omitempty"`
	ConnectS      float64 `json:"connect_s"`
	ServerRSSMiB  float64 `json:"server_rss_mib"`
	ServerIdleMiB float64 `json:"server_idle_rss_mib"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// stats computes a round's figures: arrival times relative to start, and
// per-delivery latencies.
func stats(name string, k, expected int, start time.Time, recv, lat []int64) round {
	r := round{Target: name, Round: k, Expected: expected, Delivered: len(recv)}
	if len(recv) == 0 {
		return r
	}
	s := start.UnixNano()
	rel := make([]int64, len(recv))
	for i, v := range recv {
		rel[i] = v - s
	}
	slices.Sort(rel)
	slices.Sort(lat)
	at := func(xs []int64, q float64, n int) float64 { // the q-quantile of n expected values
		i := int(q*float64(n)+0.999999) - 1
		if i >= len(xs) {
			return -1 // not reached
		}
		return float64(xs[max(i, 0)]) / 1e6
	}
	r.T50MS, r.T95MS, r.T100MS = at(rel, 0.5, expected), at(rel, 0.95, expected), at(rel, 1, expected)
	last := float64(rel[len(rel)-1]) / 1e9
	r.PerSecond = float64(len(recv)) / last
	r.LatP50MS, r.LatP95MS, r.LatP99MS = at(lat, 0.5, len(lat)), at(lat, 0.95, len(lat)), at(lat, 0.99, len(lat))
	r.LatMaxMS = float64(lat[len(lat)-1]) / 1e6
	return r
}

func printRound(r round) {
	fmt.Printf("%-10s round %d: %d/%d delivered (%d open); publish %.0f ms; 50%% %.0f ms, 95%% %.0f ms, 100%% %.0f ms; %.0f deliveries/s; latency p50 %.0f p95 %.0f p99 %.0f max %.0f ms; server CPU %.2f s",
		r.Target, r.Round, r.Delivered, r.Expected, r.Open, r.PublishMS, r.T50MS, r.T95MS, r.T100MS, r.PerSecond, r.LatP50MS, r.LatP95MS, r.LatP99MS, r.LatMaxMS, r.ServerCPUS)
	if r.Target == "bus" || r.Target == "node" {
		fmt.Printf("; saved %.0f nodes/s, %.0f nodes/s to the last delivery; live dropped %d", r.SavedPerS, r.NodesPerS, r.LiveDropped)
	}
	if r.Target == "node" {
		fmt.Printf("; inbox rows of every node after %.0f ms", r.InboxMS)
	}
	if r.Lagged > 0 {
		fmt.Printf("; %d subscribers lagged", r.Lagged)
	}
	fmt.Println()
}

func summarize(all []round) {
	by := map[string][]round{}
	var names []string
	for _, r := range all {
		if by[r.Target] == nil {
			names = append(names, r.Target)
		}
		by[r.Target] = append(by[r.Target], r)
	}
	med := func(rs []round, f func(round) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Println("\n| target | delivered | 95 % after | 100 % after | deliveries/s | latency p95 | server CPU/round | server RSS, all connected |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	rate := map[string]float64{}
	for _, n := range names {
		rs := by[n]
		rate[n] = med(rs, func(r round) float64 { return r.PerSecond })
		fmt.Printf("| %s | %d/%d (min) | %.0f ms | %.0f ms | %.0f | %.0f ms | %.2f s | %.0f MiB |\n", n,
			int(slices.MinFunc(rs, func(a, b round) int { return a.Delivered - b.Delivered }).Delivered), rs[0].Expected,
			med(rs, func(r round) float64 { return r.T95MS }), med(rs, func(r round) float64 { return r.T100MS }),
			rate[n], med(rs, func(r round) float64 { return r.LatP95MS }),
			med(rs, func(r round) float64 { return r.ServerCPUS }), rs[0].ServerRSSMiB)
	}
	fmt.Println("(medians over the rounds)")
	if rs := by["node"]; len(rs) > 0 {
		fmt.Printf("node (real enforcement service): %.0f nodes/s recorded (%.0f nodes/s to the last live delivery); save → delivered p50 %.0f ms, p95 %.0f ms; every node's inbox rows after %.0f ms; seeding %.0f s (not measured)\n",
			med(rs, func(r round) float64 { return r.SavedPerS }), med(rs, func(r round) float64 { return r.NodesPerS }),
			med(rs, func(r round) float64 { return r.LatP50MS }), med(rs, func(r round) float64 { return r.LatP95MS }),
			med(rs, func(r round) float64 { return r.InboxMS }), rs[0].SeedS)
	}
	if h, c := rate["hub"], rate["centrifugo"]; h > 0 && c > 0 {
		fmt.Printf("hub ÷ centrifugo deliveries/s: %.2f×\n", h/c)
	}
}

// rssMiB is the resident memory of process pid.
func rssMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuSeconds is the user+system CPU time of process pid.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}
