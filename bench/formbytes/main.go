// Command formbytes measures the bytes a phone transfers to open pages of
// a running ecourt with an empty cache: it signs in through the login
// page in headless Chromium (390×844 CSS pixels, device scale 3, a phone's
// user agent, touch), then opens each page given on the command line in a
// new tab after clearing the browser cache, and sums, from the Network
// domain, the encodedDataLength of every response of that page load (the
// bytes received over the wire: response headers plus the body as the
// server sent it, compressed or not). It prints one line per response and
// a total per page. Loopback servers only; it stops by itself (-timeout).
//
//	go run ./bench/formbytes -base http://127.0.0.1:8080 -login litigant -password demo1234 /filing/new
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const phoneUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " +
	"(KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36"

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "ecourt base URL (loopback)")
	login := flag.String("login", "litigant", "login name")
	password := flag.String("password", "demo1234", "password")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium executable")
	width := flag.Int64("width", 390, "viewport width (CSS px)")
	height := flag.Int64("height", 844, "viewport height (CSS px)")
	scale := flag.Float64("scale", 3, "device scale factor")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || !(strings.HasPrefix(u.Host, "127.") || strings.HasPrefix(u.Host, "localhost")) {
		fail(errors.New("only loopback servers are allowed"))
	}
	paths := flag.Args()
	if len(paths) == 0 {
		paths = []string{"/filing/new"}
	}
	tmp, err := os.MkdirTemp("", "formbytes-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(*chromium), chromedp.UserDataDir(tmp), chromedp.WindowSize(int(*width), int(*height)),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN"), chromedp.Env("TZ=Asia/Shanghai"))
	// The flags of internal/platform/browsertest: no sandbox (root), and no
	// background traffic to Google's hosts, which would not be the page's.
	for _, f := range []string{"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
		"disable-background-networking", "disable-component-update", "disable-sync", "disable-dev-shm-usage",
		"disable-crash-reporter", "disable-default-apps", "disable-extensions", "no-default-browser-check",
		"mute-audio", "hide-scrollbars"} {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	tctx, cancelT := context.WithTimeout(bctx, *timeout)
	defer cancelT()

	// Sign in through the login page, as a person would.
	if err := phone(tctx, *width, *height, *scale); err != nil {
		fail(fmt.Errorf("start %s: %w", *chromium, err))
	}
	err = chromedp.Do(tctx,
		chromedp.Navigate(*base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), *login),
		chromedp.SendKeys(chromedp.ID("password"), *password),
		chromedp.Click(chromedp.ID("login-password")),
		chromedp.WaitNotPresent(chromedp.ID("login-password")))
	if err != nil {
		fail(fmt.Errorf("sign in: %w", err))
	}
	for _, p := range paths {
		if _, err := measure(tctx, bctx, *base+p, *width, *height, *scale); err != nil {
			fail(fmt.Errorf("%s: %w", p, err))
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "formbytes:", err)
	os.Exit(1)
}

// phone emulates the phone's viewport, user agent and touch on the tab of
// ctx.
func phone(ctx context.Context, w, h int64, scale float64) error {
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: phoneUA, AcceptLanguage: "zh-CN"}); err != nil {
		return err
	}
	return chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(scale), chromedp.EmulatePortrait,
		chromedp.EmulateMobile, chromedp.EmulateTouch))
}

type entry struct {
	url, typ, mime, enc, note string
	status                    int64
	headerBytes, wireBytes    int64
	decoded                   int64
	done                      bool
	order                     int
}

// measure opens page in a new tab with an empty cache and prints the bytes
// of each response of the load. It returns the total.
func measure(tctx, bctx context.Context, page string, w, h int64, scale float64) (int64, error) {
	// Empty the HTTP cache (cookies stay: the person is signed in), then a
	// new tab, so that no renderer memory cache survives either.
	if _, err := chromedp.Call(tctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		return 0, err
	}
	nctx, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(nctx, time.Minute)
	defer cancel2()
	var mu sync.Mutex
	entries := map[network.RequestID]*entry{}
	var list []*entry
	get := func(id network.RequestID) *entry {
		e := entries[id]
		if e == nil {
			e = &entry{order: len(list)}
			entries[id] = e
			list = append(list, e)
		}
		return e
	}
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if r := ev.RedirectResponse; r != nil {
				// The redirect is a response of its own on the wire.
				old := get(ev.RequestID)
				old.status, old.headerBytes, old.wireBytes, old.done = r.Status, int64(r.EncodedDataLength), int64(r.EncodedDataLength), true
				old.enc = encoding(r.Headers)
				old.mime, old.note = r.MimeType, "redirect"
				delete(entries, ev.RequestID)
			}
			e := get(ev.RequestID)
			e.url, e.typ = ev.Request.URL, string(ev.Type)
		case *network.EventResponseReceived:
			e := get(ev.RequestID)
			r := ev.Response
			e.status, e.mime, e.headerBytes = r.Status, r.MimeType, int64(r.EncodedDataLength)
			e.enc = encoding(r.Headers)
			if r.FromDiskCache || r.FromPrefetchCache || r.FromServiceWorker {
				e.note = "FROM CACHE"
			}
		case *network.EventDataReceived:
			get(ev.RequestID).decoded += ev.DataLength
		case *network.EventLoadingFinished:
			e := get(ev.RequestID)
			e.wireBytes, e.done = int64(ev.EncodedDataLength), true
		case *network.EventLoadingFailed:
			e := get(ev.RequestID)
			e.done, e.note = true, "failed: "+ev.ErrorText
		}
	})
	if err != nil {
		return 0, err
	}
	if err := phone(ctx, w, h, scale); err != nil {
		return 0, err
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return 0, err
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		return 0, err
	}
	// Wait until every request has finished and nothing new started for
	// a second (late fetches by scripts count too).
	quiet, last := time.Now(), -1
	for time.Since(quiet) < time.Second {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n, open := len(list), 0
		for _, e := range list {
			if !e.done {
				open++
			}
		}
		mu.Unlock()
		if n != last || open > 0 {
			quiet, last = time.Now(), n
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	finalURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return 0, err
	}
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].order < list[j].order })
	fmt.Printf("page %s (landed on %s)\n", page, finalURL)
	fmt.Printf("  %-44s %-10s %4s %-6s %9s %9s %9s %s\n", "response", "type", "code", "enc", "wire B", "headers", "decoded", "")
	var total, headers int64
	for _, e := range list {
		total += e.wireBytes
		headers += e.headerBytes
		fmt.Printf("  %-44s %-10s %4d %-6s %9d %9d %9d %s\n", short(e.url, page), e.typ, e.status, e.enc, e.wireBytes, e.headerBytes, e.decoded, e.note)
	}
	fmt.Printf("  total: %d responses, %d bytes over the wire (%.1f KB; %d of them response headers)\n\n", len(list), total, float64(total)/1024, headers)
	return total, nil
}

// encoding is the Content-Encoding of a response, "" for none.
func encoding(h network.Headers) string {
	for k, v := range h {
		if strings.EqualFold(k, "Content-Encoding") {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// short is the path and query of u.
func short(u, page string) string {
	if strings.HasPrefix(u, "data:") {
		return "(data: URI, not transferred)"
	}
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	s := p.Path
	if p.RawQuery != "" {
		s += "?" + p.RawQuery
	}
	if len(s) > 44 {
		s = s[:41] + "…"
	}
	return s
}
