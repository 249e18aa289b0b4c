// Command notify measures the notification pipeline (internal/notify) and
// the bus's JetStream publishing against `nats bench`.
//
//	go run ./bench/notify -mode e2e    [-n 20000] [-producers 8] [-jsfsync always|2m]
//	go run ./bench/notify -mode fanout [-recipients 60000] [-runs 3]
//	go run ./bench/notify -mode jspub  [-n 100000] [-runs 3] -nats /tmp/peers/nats [-jsfsync always|2m]
//
// e2e: producers enqueue one SMS notification each in their own
// transaction (SQLite, synchronous=FULL, the default) → outbox → relay →
// embedded JetStream → fan-out → SMS dispatcher → the development gateway
// (in process, no rate limit). It reports notifications per second from
// the first commit to the last acceptance, and the latency of each from
// its commit to the gateway's acceptance (p50, p95, max).
//
// fanout: one message to N recipients, inbox only, through the whole
// pipeline; it reports the time from the commit until 50%, 95% and 100%
// of the recipients have the row in their inbox (polled every 10 ms).
//
// jspub: starts one NATS server with the configuration the bus embeds
// (JetStream, file store, fsync per message unless -jsfsync 2m), listening
// on 127.0.0.1, and alternates (a) the bus publishing N pre-filled outbox
// events (SQLite) through its relay (asynchronous publish, batches of 256
// awaiting every PubAck, message ID set for de-duplication), and (b)
// `nats bench js pub async` with the same message size, batch 256,
// --dedup, file storage, on the same server; and (c) the relay's publish
// pattern without the outbox (the same client calls on a stream like
// ECOURT), which separates the transport from the outbox's share. It
// reports messages per second and the ratios to nats bench.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func main() {
	mode := flag.String("mode", "e2e", "e2e, fanout or jspub")
	n := flag.Int("n", 20000, "notifications (e2e) or events (jspub)")
	producers := flag.Int("producers", 8, "concurrent producers (e2e)")
	recipients := flag.Int("recipients", 60000, "recipients of the one message (fanout)")
	runs := flag.Int("runs", 3, "runs (fanout, jspub)")
	natsBin := flag.String("nats", "/tmp/peers/nats", "natscli binary (jspub)")
	jsfsync := flag.String("jsfsync", "always", `JetStream fsync: "always" (the bus's default) or a period such as "2m"`)
	offered := flag.Float64("rate", 0, "offered notifications per second over all producers (e2e; 0: as fast as they can)")
	workers := flag.Int("workers", 0, "notify.Options.Workers (0: the default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	var syncEvery time.Duration
	if *jsfsync != "always" {
		d, err := time.ParseDuration(*jsfsync)
		if err != nil {
			log.Fatal(err)
		}
		syncEvery = d
	}
	switch *mode {
	case "e2e":
		e2e(*n, *producers, *workers, *offered, syncEvery)
	case "fanout":
		for i := range *runs {
			fanout(i+1, *recipients, syncEvery)
		}
	case "jspub":
		jspub(*n, *runs, *natsBin, syncEvery)
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}

type env struct {
	dir string
	db  *sqldb.DB
	bus *bus.Bus
}

func setup(syncEvery time.Duration, busURL string) env {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "notify-bench-")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(dir, "bench.db"), sqldb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.Migrate(ctx, audit.Migrations, bus.Migrations, notify.Migrations); err != nil {
		log.Fatal(err)
	}
	b, err := bus.Open(ctx, bus.Config{URL: busURL, DataDir: dir, Logger: quiet, SyncInterval: syncEvery})
	if err != nil {
		log.Fatal(err)
	}
	return env{dir: dir, db: db, bus: b}
}

func (e env) close() {
	e.bus.Close()
	e.db.Close()
	os.RemoveAll(e.dir)
}

func e2e(n, producers, workers int, offered float64, syncEvery time.Duration) {
	ctx := context.Background()
	e := setup(syncEvery, "")
	defer e.close()
	e.bus.StartRelay(ctx, e.db)
	gw := notify.NewDevSMS(notify.DevSMSOptions{Name: "dev"})
	smsc, err := notify.NewSMSChannel(notify.SMSOptions{Logger: quiet}, notify.SMSRoute{Provider: gw, Rate: 1e9, Burst: 1 << 20})
	if err != nil {
		log.Fatal(err)
	}
	dir := notify.MapDirectory{}
	for i := range 1000 {
		dir[fmt.Sprintf("acct-%04d", i)] = notify.Contact{Language: []string{"zh-CN", "en"}[i%2], Phone: fmt.Sprintf("1380000%04d", i)}
	}
	s, err := notify.New(notify.Deps{DB: e.db, Bus: e.bus, Directory: dir, Logger: quiet}, notify.Options{SMS: smsc, Workers: workers})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer s.Stop()
	data := map[string]string{"court_name": "象山县人民法院", "case_number": "(2026)浙0225民初1号", "document_title": "民事判决书", "link": "/cases/x"}
	committed := make([]time.Time, n)
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if offered > 0 {
					if d := time.Until(start.Add(time.Duration(float64(i) / offered * float64(time.Second)))); d > 0 {
						time.Sleep(d)
					}
				}
				m := notify.Message{ID: fmt.Sprintf("bench-%06d", i), Ref: "bench", Recipients: []string{fmt.Sprintf("acct-%04d", i%1000)},
					Channels: []notify.Channel{notify.SMS}, Template: "delivery.document_served", Data: data, CourtID: "court-1"}
				if err := e.db.Tx(ctx, func(tx *sqldb.Tx) error { return notify.Enqueue(ctx, tx, m) }); err != nil {
					log.Fatal(err)
				}
				committed[i] = time.Now()
			}
		}()
	}
	wg.Wait()
	enqueued := time.Since(start)
	for len(gw.Sent()) < n {
		time.Sleep(5 * time.Millisecond)
	}
	total := time.Since(start)
	for {
		var sent int
		if err := e.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_delivery WHERE status = 'sent'`).Scan(&sent); err != nil {
			log.Fatal(err)
		}
		if sent == n {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Latency: commit → the gateway's acceptance, per notification.
	rows, err := e.db.Query(ctx, `SELECT message_id, sent_at FROM notify_delivery`)
	if err != nil {
		log.Fatal(err)
	}
	var lat []time.Duration
	var last time.Time
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			log.Fatal(err)
		}
		i, _ := strconv.Atoi(strings.TrimPrefix(id, "bench-"))
		lat = append(lat, at.Sub(committed[i]))
		if at.After(last) {
			last = at
		}
	}
	rows.Close()
	if len(lat) != n || len(gw.Sent()) != n {
		log.Fatalf("%d deliveries recorded, %d accepted, want %d", len(lat), len(gw.Sent()), n)
	}
	slices.Sort(lat)
	load := "as fast as the producers can"
	if offered > 0 {
		load = fmt.Sprintf("offered at %.0f/s", offered)
	}
	fmt.Printf("e2e: %d notifications (1 recipient, SMS, with a Ref), %d producers %s, JetStream fsync %s, SQLite synchronous=FULL\n",
		n, producers, load, fsyncName(syncEvery))
	fmt.Printf("  enqueued in %.2fs (%.0f/s); all accepted by the gateway after %.2fs: %.0f notifications/s end to end\n",
		enqueued.Seconds(), float64(n)/enqueued.Seconds(), total.Seconds(), float64(n)/total.Seconds())
	fmt.Printf("  latency commit → accepted: p50 %v  p95 %v  p99 %v  max %v\n",
		pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1].Round(time.Millisecond))
	st := e.bus.Stats()
	fmt.Printf("  bus: published %d events, handled %d, redelivered %d\n", st.Published, st.Handled, st.Redelivered)
}

func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)].Round(time.Millisecond)
}

func fsyncName(d time.Duration) string {
	if d == 0 {
		return "per message"
	}
	return "every " + d.String()
}

func fanout(run, n int, syncEvery time.Duration) {
	ctx := context.Background()
	e := setup(syncEvery, "")
	defer e.close()
	e.bus.StartRelay(ctx, e.db)
	dir := notify.MapDirectory{}
	recips := make([]string, n)
	for i := range recips {
		recips[i] = ids.New()
		dir[recips[i]] = notify.Contact{Language: []string{"zh-CN", "en", "zh-CN"}[i%3]}
	}
	s, err := notify.New(notify.Deps{DB: e.db, Bus: e.bus, Directory: dir, Logger: quiet}, notify.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer s.Stop()
	data := map[string]string{"title_zh": "系统维护通知", "body_zh": "本周六凌晨二时至四时系统维护，期间暂停网上立案。",
		"title_en": "Scheduled maintenance", "body_en": "Online filing pauses on Saturday from 02:00 to 04:00.", "link": "/announcements/1"}
	m := notify.Message{ID: "announce-" + ids.New(), Recipients: recips, Channels: []notify.Channel{notify.Inbox},
		Template: "platform.announcement", Data: data}
	t0 := time.Now()
	if err := e.db.Tx(ctx, func(tx *sqldb.Tx) error { return notify.Enqueue(ctx, tx, m) }); err != nil {
		log.Fatal(err)
	}
	commit := time.Since(t0)
	start := time.Now()
	marks := map[int]time.Duration{}
	for _, p := range []int{50, 95, 100} {
		want := (n*p + 99) / 100
		for {
			var c int
			if err := e.db.QueryRow(ctx, `SELECT COUNT(*) FROM notify_inbox WHERE message_id = ?`, m.ID).Scan(&c); err != nil {
				log.Fatal(err)
			}
			if c >= want {
				marks[p] = time.Since(start)
				break
			}
			if time.Since(start) > 5*time.Minute {
				log.Fatalf("only %d of %d after 5 minutes", c, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	fmt.Printf("fanout run %d: %d recipients, inbox only, SQLite FULL, JetStream fsync %s: Enqueue tx %v; in the inbox after commit: 50%% %v  95%% %v  100%% %v\n",
		run, n, fsyncName(syncEvery), commit.Round(time.Millisecond), marks[50].Round(time.Millisecond),
		marks[95].Round(time.Millisecond), marks[100].Round(time.Millisecond))
}

// jspub compares the bus's relay with nats bench on one server.
func jspub(n, runs int, natsBin string, syncEvery time.Duration) {
	storeDir, err := os.MkdirTemp("", "notify-jspub-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(storeDir)
	// The options bus.startEmbedded uses, plus a loopback listener so that
	// nats bench can connect.
	opts := &server.Options{ServerName: "ecourt", Host: "127.0.0.1", Port: -1, JetStream: true,
		StoreDir: filepath.Join(storeDir, "nats"), JetStreamMaxMemory: 32 << 20, JetStreamMaxStore: -1, NoSigs: true}
	if syncEvery > 0 {
		opts.SyncInterval = syncEvery
	} else {
		opts.SyncAlways = true
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		log.Fatal(err)
	}
	srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		log.Fatal("server not ready")
	}
	url := srv.ClientURL()
	size := eventSize()
	fmt.Printf("jspub: %d messages of %d bytes per run, file storage, fsync %s, server %s (nats-server %s embedded)\n",
		n, size, fsyncName(syncEvery), url, server.VERSION)
	var ours, wire, theirs []float64
	for r := range runs {
		o := relayRun(n, url, syncEvery)
		w := publishRun(n, url, r)
		b := natsBenchRun(natsBin, url, n, size, r)
		ours, wire, theirs = append(ours, o), append(wire, w), append(theirs, b)
		fmt.Printf("  run %d: bus relay (outbox → JetStream) %.0f msgs/s   relay's publish pattern alone %.0f msgs/s   nats bench js pub async %.0f msgs/s   ratios %.2f / %.2f\n",
			r+1, o, w, b, o/b, w/b)
	}
	mo, mw, mt := median(ours), median(wire), median(theirs)
	fmt.Printf("  median: bus relay %.0f msgs/s (%.2f×), publish pattern alone %.0f msgs/s (%.2f×), nats bench %.0f msgs/s\n",
		mo, mo/mt, mw, mw/mt, mt)
	// And the bus as the app runs it: embedded, in-process connection.
	e := relayRun(n, "", syncEvery)
	fmt.Printf("  bus relay on the embedded in-process server (the app's default): %.0f msgs/s\n", e)
}

// benchPayload is a typical event payload (a delivery dispatch).
var benchPayload = map[string]any{"message_id": "delivery.service:0190aaaa-0000-7000-8000-000000000001",
	"delivery_ids": []string{"0190aaaa-0000-7000-8000-000000000002", "0190aaaa-0000-7000-8000-000000000003"}}

func benchEvent() bus.Event {
	ev := bus.NewEvent("ecourt.notify.sms.queued", benchPayload)
	ev.CourtID, ev.CaseID = "0190aaaa-0000-7000-8000-00000000000c", "0190aaaa-0000-7000-8000-00000000000d"
	return ev
}

// eventSize is the size of the JSON body the relay publishes for benchEvent.
func eventSize() int {
	ev := benchEvent()
	ev.ID, ev.Time = ids.New(), time.Now().UTC()
	b, _ := json.Marshal(ev)
	return len(b)
}

// relayRun fills an outbox with n events, then starts the relay and times
// until all are published (and marked); it returns events per second.
func relayRun(n int, url string, syncEvery time.Duration) float64 {
	ctx := context.Background()
	e := setup(syncEvery, url)
	defer e.close()
	for i := 0; i < n; i += 1000 {
		err := e.db.Tx(ctx, func(tx *sqldb.Tx) error {
			for j := i; j < min(i+1000, n); j++ {
				if err := bus.Enqueue(ctx, tx, benchEvent()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	start := time.Now()
	e.bus.StartRelay(ctx, e.db)
	if err := e.bus.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	for e.bus.Stats().Published < int64(n) {
		time.Sleep(time.Millisecond)
	}
	return float64(n) / time.Since(start).Seconds()
}

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// publishRun publishes n event bodies the way the relay does — one
// connection, asynchronous publishes in batches of 256, each with its
// message ID, waiting for every PubAck before the next batch — to a
// stream configured like ECOURT, without the outbox: the transport's
// share of the relay's time.
func publishRun(n int, url string, run int) float64 {
	ctx := context.Background()
	nc, err := nats.Connect(url)
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(60*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	name := fmt.Sprintf("WIRE%d", run)
	subj := fmt.Sprintf("wire%d.notify.sms.queued", run)
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subj},
		Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy, Discard: jetstream.DiscardOld,
		Duplicates: bus.DuplicateWindow, Replicas: 1}); err != nil {
		log.Fatal(err)
	}
	bodies := make([][]byte, 256)
	for i := range bodies {
		ev := benchEvent()
		ev.ID, ev.Time = ids.New(), time.Now().UTC()
		bodies[i], _ = json.Marshal(ev)
	}
	start := time.Now()
	for i := 0; i < n; i += 256 {
		k := min(256, n-i)
		futures := make([]jetstream.PubAckFuture, k)
		for j := range k {
			m := nats.NewMsg(subj)
			m.Data = bodies[j]
			if futures[j], err = js.PublishMsgAsync(m, jetstream.WithMsgID(ids.New())); err != nil {
				log.Fatal(err)
			}
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				log.Fatal(err)
			}
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

var rateRE = regexp.MustCompile(`([0-9,]+) msgs/sec`)

func natsBenchRun(bin, url string, n, size, run int) float64 {
	stream := fmt.Sprintf("bench%d", run)
	args := []string{"bench", "js", "pub", "async", "bench." + stream, "-s", url, "--msgs", strconv.Itoa(n),
		"--size", strconv.Itoa(size), "--batch", "256", "--storage", "file", "--create", "--dedup", "--dedupwindow", "2m",
		"--stream", stream, "--no-progress", "--timeout", "60s"}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		log.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	if run == 0 {
		fmt.Printf("  (%s %s)\n", bin, strings.Join(args, " "))
	}
	m := rateRE.FindAllStringSubmatch(string(out), -1)
	if len(m) == 0 {
		log.Fatalf("no rate in the output of nats bench:\n%s", out)
	}
	v, _ := strconv.ParseFloat(strings.ReplaceAll(m[len(m)-1][1], ",", ""), 64)
	return v
}
