package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/ids"
	"github.com/ecourt/ecourt/internal/platform/live"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// The hub's server process: live.Hub with live.Serve on GET /live?topic=…,
// over HTTP/1.1 and h2c (250 streams per connection, Go's default and
// Centrifugo's), and
//
//   - hub mode: POST /publish {"items":[{"topic","id","data"}]}, the
//     counterpart of Centrifugo's /api/batch: one Publish per item;
//   - bus mode: POST /save {"cases","seq","writers","per_tx"} saves one
//     synthetic enforcement node per case, each as an outbox event in a
//     SQLite transaction (Enqueue, commit), which the relay publishes to
//     the embedded JetStream and the hub's one Feed routes to the case's
//     audience topics; the "sent_ns" in each view is the time the node's
//     transaction began.

type serverFlags struct {
	mode      string // hub, bus or node
	addr      string
	dir       string
	audiences int
	jsFsync   string // always or an interval
	cpuProf   string // write a CPU profile here until SIGTERM
	cases     int    // node: enforcement cases to seed
	seedConc  int    // node: cases seeded at once
	seedCache string // node: directory of the seeded databases kept between runs
}

// nodeEvent is the synthetic enforcement node event: the views for each
// audience are rendered once, when the node is saved (as the enforcement
// service does), so routing only picks them.
type nodeEvent struct {
	CaseID string            `json:"case_id"`
	Views  []json.RawMessage `json:"views"` // by audience index
}

type pubItem struct {
	Topic string          `json:"topic"`
	ID    string          `json:"id,omitempty"`
	Data  json.RawMessage `json:"data"`
}

func runServer(f serverFlags) error {
	raiseNoFile()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := live.NewHub(live.Options{Logger: quiet})
	mux := http.NewServeMux()
	if f.mode != "node" { // node: the real enforcement endpoint (node.go)
		mux.HandleFunc("GET /live", func(w http.ResponseWriter, r *http.Request) {
			topics := r.URL.Query()["topic"]
			if len(topics) == 0 {
				http.Error(w, "topic required", http.StatusBadRequest)
				return
			}
			_ = live.Serve(w, r, h.Subscribe(topics))
		})
	}
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = json.NewEncoder(w).Encode(map[string]any{"hub": h.Stats(), "goroutines": runtime.NumGoroutine(),
			"heap_inuse": ms.HeapInuse, "sys": ms.Sys})
	})
	switch f.mode {
	case "hub":
		mux.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
			var req struct{ Items []pubItem }
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			for _, it := range req.Items {
				h.Publish(it.Topic, live.Message{ID: it.ID, Event: "node", Data: it.Data})
			}
			fmt.Fprintf(w, `{"published":%d}`, len(req.Items))
		})
	case "bus":
		db, b, err := openBus(ctx, f, quiet)
		if err != nil {
			return err
		}
		defer db.Close()
		defer b.Close()
		stop := h.Feed(ctx, b, "ecourt.enforcement.>", routeNode)
		defer stop()
		mux.HandleFunc("POST /save", func(w http.ResponseWriter, r *http.Request) {
			var req struct{ Cases, Seq, Writers, PerTx int }
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			start := time.Now()
			if err := saveNodes(r.Context(), db, req.Cases, req.Seq, req.Writers, req.PerTx, f.audiences); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintf(w, `{"saved":%d,"start_ns":%d,"end_ns":%d}`, req.Cases, start.UnixNano(), time.Now().UnixNano())
		})
		mux.HandleFunc("GET /busstats", func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(b.Stats())
		})
	case "node":
		stop, err := startNode(ctx, f, mux, h, quiet)
		if err != nil {
			return err
		}
		defer stop()
	default:
		return fmt.Errorf("server mode %q", f.mode)
	}

	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: mux, Protocols: &p, ReadHeaderTimeout: 10 * time.Second,
		HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 250}}
	if f.cpuProf != "" {
		pf, err := os.Create(f.cpuProf)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		go func() {
			<-sig
			pprof.StopCPUProfile()
			pf.Close()
			os.Exit(0)
		}()
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening %s\n", ln.Addr())
	return srv.Serve(ln)
}

func openBus(ctx context.Context, f serverFlags, log *slog.Logger) (*sqldb.DB, *bus.Bus, error) {
	db, err := sqldb.Open(ctx, "sqlite://"+filepath.Join(f.dir, "bench.db"), sqldb.Options{})
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx, bus.Migrations); err != nil {
		return nil, nil, err
	}
	var every time.Duration
	if f.jsFsync != "always" {
		if every, err = time.ParseDuration(f.jsFsync); err != nil {
			return nil, nil, fmt.Errorf("-jsfsync: %w", err)
		}
	}
	b, err := bus.Open(ctx, bus.Config{DataDir: f.dir, Logger: log, SyncInterval: every})
	if err != nil {
		return nil, nil, err
	}
	b.StartRelay(ctx, db)
	return db, b, nil
}

// routeNode is the bus mode's route: one message per audience topic of
// the case, the view rendered at save time.
func routeNode(ev bus.Event) []live.Routed {
	var n nodeEvent
	if err := ev.Decode(&n); err != nil {
		return nil
	}
	c, err := strconv.Atoi(n.CaseID)
	if err != nil {
		return nil
	}
	out := make([]live.Routed, len(n.Views))
	for a, v := range n.Views {
		out[a] = live.Routed{Topic: hubTopic(c, a), Msg: live.Message{ID: ev.ID, Event: "node", Data: v}}
	}
	return out
}

// saveNodes saves one node event per case 0…cases-1: writers goroutines,
// perTx events per transaction.
func saveNodes(ctx context.Context, db *sqldb.DB, cases, seq, writers, perTx, audiences int) error {
	writers, perTx = max(writers, 1), max(perTx, 1)
	return parallel(cases, perTx, writers, func(first int) error {
		return db.Tx(ctx, func(tx *sqldb.Tx) error {
			sent := time.Now().UnixNano()
			for c := first; c < min(first+perTx, cases); c++ {
				ev := nodeEventFor(c, seq, sent, audiences)
				ev.ID = ids.New()
				if err := bus.Enqueue(ctx, tx, ev); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func nodeEventFor(c, seq int, sent int64, audiences int) bus.Event {
	views := make([]json.RawMessage, audiences)
	for a := range views {
		views[a] = viewData(c, seq, sent, audienceNames[a])
	}
	return bus.NewEvent("ecourt.enforcement.node.recorded", nodeEvent{CaseID: strconv.Itoa(c), Views: views})
}

// viewData is one message's data, about the size of a rendered node view.
func viewData(c, seq int, sent int64, audience string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"sent_ns":%d,"seq":%d,"case":%d,"audience":%q,"kind":"seizure","text":"查封被执行人名下位于某区某路的房产一套，并张贴封条、公告","amount_fen":125000000}`,
		sent, seq, c, audience))
}
