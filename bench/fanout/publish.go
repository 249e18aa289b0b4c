package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Publishing a round: one message per topic through the server's API, or
// (bus) one saved node per case.

func getJSON(c *http.Client, url string, v any) {
	resp, err := c.Get(url)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
}

// publish sends one message per topic, o.batch per request, o.pubConc
// requests at once.
func publish(c *http.Client, t *target, o options, seq int) error {
	topics := o.cases * o.audiences
	next := make(chan int)
	go func() {
		for i := 0; i < topics; i += o.batch {
			next <- i
		}
		close(next)
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range o.pubConc {
		wg.Go(func() {
			for first := range next {
				if err := publishBatch(c, t, o, seq, first, min(first+o.batch, topics)); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func publishBatch(c *http.Client, t *target, o options, seq, from, to int) error {
	sent := time.Now().UnixNano()
	items := make([]pubItem, 0, to-from)
	for i := from; i < to; i++ {
		cs, a := i/o.audiences, i%o.audiences
		it := pubItem{Data: viewData(cs, seq, sent, audienceNames[a])}
		if t.name == "centrifugo" {
			it.Topic = centrifugoChannel(cs, a)
		} else {
			it.Topic, it.ID = hubTopic(cs, a), fmt.Sprintf("%d-%d", seq, i)
		}
		items = append(items, it)
	}
	var body []byte
	var err error
	if t.name == "centrifugo" {
		body, err = centrifugoBatch(items, o.cfParallel)
	} else {
		body, err = json.Marshal(map[string]any{"items": items})
	}
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(context.Background(), "POST", t.publish, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if t.apiKey != "" {
		req.Header.Set("X-API-Key", t.apiKey)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("publish: HTTP %d: %.300s", resp.StatusCode, b)
	}
	return nil
}

// save asks the bus-mode server to save one node per case, and returns the
// nodes saved per second.
func save(c *http.Client, t *target, o options, seq int) (float64, error) {
	body, _ := json.Marshal(map[string]int{"cases": o.cases, "seq": seq, "writers": o.writers, "pertx": o.perTx})
	resp, err := c.Post(t.publish, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("save: HTTP %d: %s", resp.StatusCode, b)
	}
	var r struct {
		Saved   int
		StartNS int64 `json:"start_ns"`
		EndNS   int64 `json:"end_ns"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, err
	}
	return float64(r.Saved) / (float64(r.EndNS-r.StartNS) / 1e9), nil
}

// waitInbox polls the node server's inbox row count until it reaches want
// and sends the time from start (ms), or -1 after limit.
func waitInbox(c *http.Client, base string, want int, start time.Time, limit time.Duration, out chan<- float64) {
	deadline := start.Add(limit)
	for time.Now().Before(deadline) {
		var ib struct{ Rows int }
		getJSON(c, base+"/inbox", &ib)
		if ib.Rows >= want {
			out <- ms(time.Since(start))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	out <- -1
}
