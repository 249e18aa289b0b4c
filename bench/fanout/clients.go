package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator: one process holds a share of the SSE streams
// (-from/-to), opens them from its own loopback source address, and records
// the arrival of every message that carries "sent_ns". It talks to the
// orchestrator over stdin/stdout:
//
//	→ ready <connected> <failed>        once every stream is open (or failed)
//	→ count <n> <alive>                 deliveries so far and streams open, every 100 ms
//	← report                            → report {"recv":[…],"lat":[…]} (and resets)
//	← quit (or EOF)                     exits
//
// The same code reads both servers' streams: only the URL differs.

type clientFlags struct {
	target    string // hub, bus, node or centrifugo
	base      string // http://127.0.0.1:port
	from, to  int    // stream indexes [from, to)
	per       int    // subscribers per case
	audiences int    // topics per case
	proto     string // h2c or h1
	perConn   int    // h2c streams per TCP connection
	src       string // local source IP
	secret    string // centrifugo HMAC secret
	dialConc  int    // streams being opened at once
}

// recorder keeps the arrival times; it is filled by many goroutines.
type recorder struct {
	mu   sync.Mutex
	recv []int64
	lat  []int64
	n    atomic.Int64
}

func (r *recorder) add(recv, sent int64) {
	r.mu.Lock()
	r.recv = append(r.recv, recv)
	r.lat = append(r.lat, recv-sent)
	r.mu.Unlock()
	r.n.Add(1)
}

func (r *recorder) take() ([]int64, []int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	recv, lat := r.recv, r.lat
	r.recv, r.lat = make([]int64, 0, cap(recv)), make([]int64, 0, cap(lat))
	return recv, lat
}

// streamURL is the URL of stream i: its case is i/per, its topic the
// case's audience i%per%audiences.
func streamURL(f clientFlags, i int) string {
	c, a := i/f.per, i%f.per%f.audiences
	switch f.target {
	case "centrifugo":
		tok := centrifugoToken(f.secret, "u"+strconv.Itoa(i), []string{centrifugoChannel(c, a)})
		return f.base + "/connection/uni_sse?cf_connect=" + urlQueryEscape(`{"token":"`+tok+`"}`)
	case "node":
		// Subscriber i%per of case c, signed in as the case's applicant,
		// respondent or officer (node.go); the server picks the topics.
		return f.base + "/live?case=" + strconv.Itoa(c) + "&n=" + strconv.Itoa(i%f.per)
	default:
		return f.base + "/live?topic=" + urlQueryEscape(hubTopic(c, a))
	}
}

var audienceNames = []string{"applicant", "respondent", "staff"}

func hubTopic(c, a int) string { return "enforcement:" + strconv.Itoa(c) + ":" + audienceNames[a] }
func centrifugoChannel(c, a int) string {
	return "enforcement_" + strconv.Itoa(c) + "_" + audienceNames[a]
}

func runClients(f clientFlags) error {
	raiseNoFile()
	dialer := &net.Dialer{Timeout: 30 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(f.src)}}
	newTransport := func() *http.Transport {
		var p http.Protocols
		if f.proto == "h1" {
			p.SetHTTP1(true)
		} else {
			p.SetUnencryptedHTTP2(true)
		}
		return &http.Transport{
			Protocols:           &p,
			DialContext:         dialer.DialContext,
			MaxIdleConnsPerHost: -1,
			DisableCompression:  true,
			HTTP2:               &http.HTTP2Config{StrictMaxConcurrentRequests: false},
		}
	}
	rec := &recorder{recv: make([]int64, 0, f.to-f.from), lat: make([]int64, 0, f.to-f.from)}
	var connected, failed, alive, ended atomic.Int64
	var tr *http.Transport
	sem := make(chan struct{}, f.dialConc)
	var wg sync.WaitGroup
	for i := f.from; i < f.to; i++ {
		if tr == nil || f.proto == "h1" || (i-f.from)%f.perConn == 0 {
			tr = newTransport()
		}
		client := &http.Client{Transport: tr}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int, client *http.Client) {
			opened := false
			err := stream(client, streamURL(f, i), rec, func() {
				opened = true
				connected.Add(1)
				alive.Add(1)
				wg.Done()
				<-sem
			})
			if !opened {
				if failed.Add(1) <= 10 {
					fmt.Fprintf(os.Stderr, "stream %d: %v\n", i, err)
				}
				wg.Done()
				<-sem
			} else {
				alive.Add(-1)
				if ended.Add(1) <= 10 {
					fmt.Fprintf(os.Stderr, "stream %d ended: %v\n", i, err)
				}
			}
		}(i, client)
	}
	wg.Wait()
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(format string, a ...any) {
		outMu.Lock()
		fmt.Fprintf(out, format+"\n", a...)
		out.Flush()
		outMu.Unlock()
	}
	say("ready %d %d", connected.Load(), failed.Load())
	go func() {
		for range time.Tick(100 * time.Millisecond) {
			say("count %d %d", rec.n.Load(), alive.Load())
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "report":
			recv, lat := rec.take()
			b, _ := json.Marshal(map[string][]int64{"recv": recv, "lat": lat})
			say("report %s", b)
		case "quit":
			return nil
		}
	}
	return nil
}

var sentKey = []byte(`"sent_ns":`)

// textSentKey marks the time in a real node's text (-target node), whose
// view has no field of the bench's own.
var textSentKey = []byte(`sent_ns=`)

// stream opens one SSE stream and reads it until it ends; ready is called
// once the server has confirmed the subscription (its first "retry:" or
// "data:" line).
func stream(client *http.Client, url string, rec *recorder, ready func()) error {
	req, err := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	r := bufio.NewReaderSize(resp.Body, 1024)
	isReady := false
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: keep the head, skip the rest.
			for err == bufio.ErrBufferFull {
				_, err = r.ReadSlice('\n')
			}
		}
		if err != nil {
			return err
		}
		if !isReady {
			if bytes.HasPrefix(line, []byte("retry:")) || bytes.HasPrefix(line, []byte("data:")) {
				isReady = true
				ready()
			}
			continue
		}
		if !bytes.HasPrefix(line, []byte("data:")) {
			continue
		}
		key := sentKey
		i := bytes.Index(line, key)
		if i < 0 {
			key = textSentKey
			i = bytes.Index(line, key)
		}
		if i >= 0 {
			now := time.Now().UnixNano()
			rest := line[i+len(key):]
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if sent, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
				rec.add(now, sent)
			}
		}
	}
}
