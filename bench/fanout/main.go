// Command fanout measures live fan-out to server-sent-event subscribers:
// our hub (internal/platform/live) side by side with Centrifugo v6 (memory
// engine), and the whole path from a saved enforcement node to the
// browsers (outbox → relay → JetStream → hub Feed → SSE).
//
//	go build -o /tmp/peers/fanout ./bench/fanout
//	/tmp/peers/fanout -target hub,centrifugo -rounds 3        # 10,000 topics × 6 subscribers
//	/tmp/peers/fanout -target bus -audiences 3 -rounds 3      # 10,000 cases, 60,000 subscribers
//	/tmp/peers/fanout -target node -rounds 3                  # the real enforcement service (see node.go)
//
// Each target gets a fresh server process: for hub and bus this program
// re-executed with -role server (live.Hub + live.Serve, HTTP/1.1 and h2c);
// for centrifugo /tmp/peers/centrifugo with a generated configuration
// (memory engine, HMAC token secret, API key, uni_sse, h2c on the external
// port). The subscribers are opened by -procs load-generator processes
// (this program with -role clients), each from its own loopback source
// address (127.0.0.2, …), all with the same SSE reading code; only the URL
// differs (hub: /live?topic=…; Centrifugo: /connection/uni_sse with a
// connection JWT whose "channels" claim subscribes it server-side).
//
// By default the streams are multiplexed over HTTP/2 cleartext (-proto
// h2c, 200 streams per TCP connection): 60,000 HTTP/1.1 connections need
// 60,000 file descriptors in one server process, and the container's hard
// RLIMIT_NOFILE (20,000 on the project machine) cannot be raised without
// CAP_SYS_RESOURCE. -proto h1 opens one TCP connection per subscriber and
// checks the limit first.
//
// A round publishes one message per topic (hub: POST /publish; Centrifugo:
// POST /api/batch, -batch items per request, -pubconc requests at once;
// bus: POST /save, which saves one node per case in its own SQLite
// transaction from -writers goroutines; node: POST /save, which records one
// node per case through enforcement.RecordNode from -writers goroutines,
// see node.go), each carrying "sent_ns", the time its batch was sent (bus:
// the time its transaction began; node: the time RecordNode was called).
// It reports the time from the start of the round to 50 %, 95 % and 100 %
// of the deliveries, deliveries per second (all deliveries ÷ time to the last),
// each delivery's latency (arrival − sent_ns), the server's CPU time for
// the round and its resident memory with every subscriber connected.
// -pin runs the server on CPU 0 and the load generators and the publisher
// on CPU 1.
//
// Centrifugo's uni_sse handler gives every write a 1-second deadline and
// clears it after the flush. On HTTP/2 a write deadline is a timer that
// resets the stream when it fires, so when the server is CPU-bound (a
// burst of connections or publications on a saturated core) some of its
// streams are reset: the report counts the streams open at the start of
// each round and the deliveries against all subscribers. -dialconc (opens
// in flight per load generator) keeps the connection storm gentle.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	targets    []string
	cases      int
	per        int
	audiences  int
	rounds     int
	procs      int
	proto      string
	perConn    int
	batch      int
	pubConc    int
	writers    int
	perTx      int
	centrifugo string
	pin        bool
	timeout    time.Duration
	jsFsync    string
	out        string
	dialConc   int
	cfParallel bool
	serverProf string
	seedConc   int
	seedWait   time.Duration
	seedCache  string
}

func main() {
	log.SetFlags(0)
	role := flag.String("role", "", "internal: server or clients")
	var o options
	targets := flag.String("target", "hub,centrifugo", "comma-separated: hub, centrifugo, bus, node")
	flag.IntVar(&o.cases, "cases", 10000, "cases (topics = cases × audiences)")
	flag.IntVar(&o.per, "per", 6, "subscribers per case")
	flag.IntVar(&o.audiences, "audiences", 1, "topics per case (1–3: applicant, respondent, staff); subscribers are spread over them")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per target (one message per topic each)")
	flag.IntVar(&o.procs, "procs", 4, "load-generator processes")
	flag.StringVar(&o.proto, "proto", "h2c", "h2c (streams multiplexed) or h1 (one TCP connection per subscriber)")
	flag.IntVar(&o.perConn, "streams-per-conn", 200, "h2c: subscribers per TCP connection")
	flag.IntVar(&o.batch, "batch", 500, "hub/centrifugo: messages per publish request")
	flag.IntVar(&o.pubConc, "pubconc", 2, "hub/centrifugo: publish requests in flight")
	flag.IntVar(&o.writers, "writers", 4, "bus, node: goroutines saving nodes")
	flag.IntVar(&o.seedConc, "seedconc", 8, "node: cases seeded at once")
	flag.StringVar(&o.seedCache, "seed-cache", "", "node: keep the seeded database in this directory and reuse it (node-<cases>.db/.json)")
	flag.DurationVar(&o.seedWait, "seed-timeout", 60*time.Minute, "node: longest wait for the server's seeding")
	flag.IntVar(&o.perTx, "per-tx", 1, "bus: nodes per transaction")
	flag.StringVar(&o.centrifugo, "centrifugo", "/tmp/peers/centrifugo", "Centrifugo v6 binary")
	flag.BoolVar(&o.pin, "pin", false, "server on CPU 0, load generators and publisher on CPU 1 (taskset)")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "longest wait for a round's deliveries")
	flag.StringVar(&o.jsFsync, "jsfsync", "always", "bus: JetStream fsync, always or an interval (2m)")
	flag.StringVar(&o.out, "out", "", "also write the results as JSON to this file")
	flag.IntVar(&o.dialConc, "dialconc", 32, "subscriptions being opened at once per load generator")
	flag.BoolVar(&o.cfParallel, "cf-parallel", true, "centrifugo: process each /api/batch's commands in parallel")
	// Internal flags of the re-executed roles.
	var sf serverFlags
	flag.StringVar(&o.serverProf, "serverprof", "", "hub/bus/node: write the server's CPU profile (of the rounds) to this file")
	var cf clientFlags
	flag.StringVar(&sf.mode, "mode", "hub", "internal (server): hub, bus or node")
	flag.StringVar(&sf.addr, "addr", "127.0.0.1:0", "internal (server): listen address")
	flag.StringVar(&sf.dir, "dir", "", "internal (server): data directory")
	flag.StringVar(&cf.base, "base", "", "internal (clients): server base URL")
	flag.IntVar(&cf.from, "from", 0, "internal (clients): first stream")
	flag.IntVar(&cf.to, "to", 0, "internal (clients): end of streams")
	flag.StringVar(&cf.src, "src", "127.0.0.2", "internal (clients): source address")
	flag.StringVar(&cf.secret, "secret", "", "internal (clients): Centrifugo token secret")
	flag.Parse()
	o.targets = strings.Split(*targets, ",")

	switch *role {
	case "server":
		sf.audiences, sf.jsFsync, sf.cpuProf, sf.cases, sf.seedConc, sf.seedCache = o.audiences, o.jsFsync, o.serverProf, o.cases, o.seedConc, o.seedCache
		if err := runServer(sf); err != nil {
			log.Fatal(err)
		}
	case "clients":
		cf.target, cf.per, cf.audiences, cf.proto, cf.perConn, cf.dialConc = o.targets[0], o.per, o.audiences, o.proto, o.perConn, o.dialConc
		if err := runClients(cf); err != nil {
			log.Fatal(err)
		}
	case "":
		if err := orchestrate(o); err != nil {
			log.Fatal(err)
		}
	default:
		log.Fatalf("-role %q", *role)
	}
}

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit (children
// inherit it) and returns the limit.
func raiseNoFile() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	l.Cur = l.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}

func orchestrate(o options) error {
	if o.proto != "h2c" && o.proto != "h1" {
		return fmt.Errorf("-proto %q: h2c or h1", o.proto)
	}
	if o.audiences < 1 || o.audiences > len(audienceNames) {
		return fmt.Errorf("-audiences %d: 1 to %d", o.audiences, len(audienceNames))
	}
	lim := raiseNoFile()
	subs := o.cases * o.per
	if o.proto == "h1" && lim < uint64(subs+1000) {
		return fmt.Errorf("-proto h1 needs %d file descriptors in the server process; RLIMIT_NOFILE is %d (hard). Use -proto h2c or raise the hard limit", subs+1000, lim)
	}
	if o.pin {
		if err := exec.Command("taskset", "-a", "-p", "-c", "1", strconv.Itoa(os.Getpid())).Run(); err != nil {
			return fmt.Errorf("pin: %w", err)
		}
	}
	fmt.Printf("fanout: %d cases × %d subscribers (%d topics), %d rounds, %s, %d load generators, pin=%v, %s, load average %s\n",
		o.cases, o.per, o.cases*o.audiences, o.rounds, o.proto, o.procs, o.pin, runtime.Version(), loadAvg())
	var all []round
	var errList []error
	for _, t := range o.targets {
		rs, err := runTarget(t, o)
		if err != nil {
			errList = append(errList, fmt.Errorf("%s: %w", t, err))
			fmt.Printf("%s: %v\n", t, err)
		}
		all = append(all, rs...)
	}
	defer func() {
		if err := errors.Join(errList...); err != nil {
			log.Print(err)
		}
	}()
	summarize(all)
	fmt.Printf("load average at the end: %s\n", loadAvg())
	if o.out != "" {
		b, _ := json.MarshalIndent(all, "", "  ")
		return os.WriteFile(o.out, b, 0o644)
	}
	return nil
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func runTarget(name string, o options) ([]round, error) {
	if name == "node" && o.audiences != len(audienceNames) {
		// The real service routes every node to its three audience topics.
		o.audiences = len(audienceNames)
		fmt.Printf("node: %d audience topics per case (%d topics), %d officers, %d writers\n", o.audiences, o.cases*o.audiences,
			officersFor(o.cases), o.writers)
	}
	t, err := startServer(name, o)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	time.Sleep(500 * time.Millisecond)
	idleRSS := rssMiB(t.srv.Process.Pid)
	var seed struct {
		Cases     int
		Accounts  int
		SeedS     float64 `json:"seed_s"`
		QuiesceS  float64 `json:"quiesce_s"`
		InboxRows int     `json:"inbox_rows"`
		DBBytes   int64   `json:"db_bytes"`
		Cached    bool
	}
	if name == "node" {
		getJSON(&http.Client{Timeout: time.Minute}, t.base+"/seed", &seed)
		from := "seeded"
		if seed.Cached {
			from = "loaded from the seed cache (seeded originally)"
		}
		fmt.Printf("node: %d enforcement cases (%d accounts) %s in %.1f s, drained in %.1f s; database %.0f MiB; server RSS %.0f MiB\n",
			seed.Cases, seed.Accounts, from, seed.SeedS, seed.QuiesceS, float64(seed.DBBytes)/(1<<20), idleRSS)
	}

	subs := o.cases * o.per
	connStart := time.Now()
	var gens []*loadgen
	defer func() {
		for _, g := range gens {
			fmt.Fprintln(g.stdin, "quit")
			g.stdin.Close()
			select {
			case <-g.exited:
			case <-time.After(10 * time.Second):
				_ = g.cmd.Process.Kill()
			}
		}
	}()
	for i := range o.procs {
		from, to := subs*i/o.procs, subs*(i+1)/o.procs
		g, err := startLoadgen(o, t, i, from, to)
		if err != nil {
			return nil, err
		}
		gens = append(gens, g)
	}
	var connected, failed int64
	for _, g := range gens {
		select {
		case r := <-g.ready:
			connected += r[0]
			failed += r[1]
		case err := <-g.exited:
			return nil, fmt.Errorf("load generator exited: %v", err)
		case <-time.After(5 * time.Minute):
			return nil, errors.New("subscribers not connected within 5 minutes")
		}
	}
	connectS := time.Since(connStart).Seconds()
	time.Sleep(2 * time.Second) // let the server settle before measuring its memory
	rss := rssMiB(t.srv.Process.Pid)
	fmt.Printf("%s: %d subscribers connected in %.1f s (%d failed); server RSS %.0f MiB (idle before: %.0f MiB)\n",
		name, connected, connectS, failed, rss, idleRSS)
	if failed > 0 {
		fmt.Printf("%s: %d subscriptions failed; measuring the %d open ones\n", name, failed, connected)
	}

	var out []round
	client := &http.Client{Timeout: 5 * time.Minute}
	for k := 1; k <= o.rounds; k++ {
		base, open := int64(0), int64(0)
		for _, g := range gens {
			base += g.count.Load()
			open += g.alive.Load()
		}
		cpu0 := cpuSeconds(t.srv.Process.Pid)
		var inboxMS chan float64
		if name == "node" {
			inboxMS = make(chan float64, 1)
			var ib struct{ Rows int }
			getJSON(client, t.base+"/inbox", &ib)
			// Every node notifies the case's applicant and respondent (one
			// account each): two inbox rows per node.
			go waitInbox(client, t.base, ib.Rows+2*o.cases, time.Now(), o.timeout+5*time.Minute, inboxMS)
		}
		start := time.Now()
		var savedPerS float64
		var err error
		if name == "bus" || name == "node" {
			savedPerS, err = save(client, t, o, k)
		} else {
			err = publish(client, t, o, k)
		}
		if err != nil {
			return out, err
		}
		pubDone := time.Since(start)
		deadline := time.Now().Add(o.timeout)
		for time.Now().Before(deadline) {
			n := int64(0)
			for _, g := range gens {
				n += g.count.Load()
			}
			if n-base >= open {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cpu := cpuSeconds(t.srv.Process.Pid) - cpu0
		var recv, lat []int64
		for _, g := range gens {
			fmt.Fprintln(g.stdin, "report")
		}
		for _, g := range gens {
			var rep struct{ Recv, Lat []int64 }
			select {
			case b := <-g.reports:
				if err := json.Unmarshal(b, &rep); err != nil {
					return out, err
				}
			case <-time.After(time.Minute):
				return out, errors.New("no report from a load generator")
			}
			recv = append(recv, rep.Recv...)
			lat = append(lat, rep.Lat...)
		}
		r := stats(name, k, subs, start, recv, lat)
		r.Open, r.Failed = open, failed
		r.PublishMS = ms(pubDone)
		r.ServerCPUS = cpu
		r.ConnectS, r.ServerRSSMiB, r.ServerIdleMiB = connectS, rss, idleRSS
		if name == "node" {
			select {
			case r.InboxMS = <-inboxMS:
			case <-time.After(o.timeout + 5*time.Minute):
				r.InboxMS = -1
			}
			r.SeedS = seed.SeedS
		}
		if name == "bus" || name == "node" {
			r.SavedPerS = savedPerS
			if r.T100MS > 0 {
				r.NodesPerS = float64(o.cases) / (r.T100MS / 1000)
			}
			var bs struct{ LiveDropped int64 }
			getJSON(client, t.base+"/busstats", &bs)
			r.LiveDropped = bs.LiveDropped
		}
		if name != "centrifugo" {
			var hs struct{ Hub struct{ Lagged int64 } }
			getJSON(client, t.base+"/stats", &hs)
			r.Lagged = hs.Hub.Lagged
		}
		printRound(r)
		out = append(out, r)
		time.Sleep(time.Second)
	}
	return out, nil
}
