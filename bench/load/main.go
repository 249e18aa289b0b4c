// Command load sends HTTP requests from a fixed number of concurrent
// workers for a fixed time and reports requests per second and latency
// percentiles. It is the load generator of the bench/ scripts: small,
// bounded (it stops by itself), and only for servers on this machine.
//
//	go run ./bench/load -c 8 -d 10s -H 'Authorization: Bearer …' \
//	    -H 'Content-Type: application/json' -body body.json -idem POST http://127.0.0.1:8080/api/v1/…
//
// With -idem every request carries a fresh Idempotency-Key header. In the
// body, {n} is replaced by a per-request sequence number so that records
// differ.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type headers []string

func (h *headers) String() string     { return strings.Join(*h, "; ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	conc := flag.Int("c", 8, "concurrent workers")
	dur := flag.Duration("d", 10*time.Second, "duration")
	bodyFile := flag.String("body", "", "file with the request body ({n} is replaced by a sequence number)")
	idem := flag.Bool("idem", false, "send a fresh Idempotency-Key with every request")
	expect := flag.Int("expect", 0, "expected status (0: any 2xx)")
	label := flag.String("label", "", "label for the result line")
	var hdr headers
	flag.Var(&hdr, "H", "header 'Name: value' (repeatable)")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: load [flags] METHOD URL")
		os.Exit(2)
	}
	method, target := flag.Arg(0), flag.Arg(1)
	if u, err := url.Parse(target); err != nil || !(strings.HasPrefix(u.Host, "127.") || strings.HasPrefix(u.Host, "localhost") || strings.HasPrefix(u.Host, "[::1]")) {
		fmt.Fprintln(os.Stderr, "load: only loopback targets are allowed")
		os.Exit(2)
	}
	var body []byte
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		body = b
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2}}
	var seq, fails atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, *conc)
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				n := seq.Add(1)
				b := bytes.ReplaceAll(body, []byte("{n}"), []byte(strconv.FormatInt(n, 10)))
				req, _ := http.NewRequest(method, target, bytes.NewReader(b))
				for _, h := range hdr {
					k, v, _ := strings.Cut(h, ":")
					req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
				}
				if *idem {
					req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d-%d", start.UnixNano(), n))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				d := time.Since(t0)
				if err != nil {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				rb, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok := resp.StatusCode/100 == 2
				if *expect != 0 {
					ok = resp.StatusCode == *expect
				}
				if !ok {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, truncate(string(rb), 300)))
					continue
				}
				lat[w] = append(lat[w], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(float64(len(all))*p))]
	}
	fmt.Printf("%-28s ok=%d fail=%d rps=%.0f p50=%.1fms p99=%.1fms\n", *label, len(all), fails.Load(),
		float64(len(all))/elapsed.Seconds(), ms(pct(0.50)), ms(pct(0.99)))
	if e := firstErr.Load(); e != nil {
		fmt.Fprintln(os.Stderr, "first failure:", e)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
