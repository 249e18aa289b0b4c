package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The processes of a run: the server under test and the load generators.

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// command returns cmd pinned to cpu when o.pin.
func command(o options, cpu string, name string, args ...string) *exec.Cmd {
	if o.pin {
		return exec.Command("taskset", append([]string{"-c", cpu, name}, args...)...)
	}
	return exec.Command(name, args...)
}

type target struct {
	name    string
	srv     *exec.Cmd
	base    string // subscribers' base URL
	publish string // publish URL
	secret  string
	apiKey  string
	dir     string
	exited  chan struct{} // closed when the server process has exited
}

func startServer(name string, o options) (*target, error) {
	dir, err := os.MkdirTemp("", "fanout-"+name+"-")
	if err != nil {
		return nil, err
	}
	t := &target{name: name, dir: dir}
	self, _ := os.Executable()
	switch name {
	case "hub", "bus", "node":
		port := freePort()
		addr := "127.0.0.1:" + strconv.Itoa(port)
		t.srv = command(o, "0", self, "-role", "server", "-mode", name, "-addr", addr, "-dir", dir,
			"-audiences", strconv.Itoa(o.audiences), "-jsfsync", o.jsFsync, "-serverprof", o.serverProf,
			"-cases", strconv.Itoa(o.cases), "-seedconc", strconv.Itoa(o.seedConc), "-seed-cache", o.seedCache)
		t.base = "http://" + addr
		t.publish = t.base + map[string]string{"hub": "/publish", "bus": "/save", "node": "/save"}[name]
	case "centrifugo":
		port, internal := freePort(), freePort()
		t.secret, t.apiKey = randomHex(32), randomHex(16)
		cfg, err := centrifugoConfig(dir, port, internal, t.secret, t.apiKey)
		if err != nil {
			return nil, err
		}
		t.srv = command(o, "0", o.centrifugo, "--config", cfg)
		t.base = "http://127.0.0.1:" + strconv.Itoa(port)
		t.publish = "http://127.0.0.1:" + strconv.Itoa(internal) + "/api/batch"
	default:
		return nil, fmt.Errorf("unknown target %q", name)
	}
	t.srv.Stdout, t.srv.Stderr = os.Stderr, os.Stderr
	if err := t.srv.Start(); err != nil {
		return nil, err
	}
	// Ready when it answers on the subscribers' port (node: once seeded).
	wait := 30 * time.Second
	if name == "node" {
		wait = o.seedWait
	}
	deadline := time.Now().Add(wait)
	t.exited = make(chan struct{})
	go func() {
		// A server that dies while seeding or starting is reported at once.
		_ = t.srv.Wait()
		close(t.exited)
	}()
	for {
		select {
		case <-t.exited:
			os.RemoveAll(t.dir)
			return nil, fmt.Errorf("server exited before listening")
		default:
		}
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(t.base, "http://"), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.stop()
			return nil, fmt.Errorf("server not listening after %s: %w", wait, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return t, nil
}

func (t *target) stop() {
	if t.srv.Process != nil {
		_ = t.srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-t.exited:
		case <-time.After(10 * time.Second):
			_ = t.srv.Process.Kill()
			<-t.exited
		}
	}
	os.RemoveAll(t.dir)
}

// loadgen is one load-generator process.
type loadgen struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	count   atomic.Int64
	alive   atomic.Int64
	ready   chan [2]int64
	reports chan []byte
	exited  chan error
}

func startLoadgen(o options, t *target, i, from, to int) (*loadgen, error) {
	self, _ := os.Executable()
	cmd := command(o, "1", self, "-role", "clients", "-target", t.name, "-base", t.base,
		"-from", strconv.Itoa(from), "-to", strconv.Itoa(to), "-per", strconv.Itoa(o.per),
		"-audiences", strconv.Itoa(o.audiences), "-proto", o.proto, "-streams-per-conn", strconv.Itoa(o.perConn),
		"-src", fmt.Sprintf("127.0.0.%d", 2+i), "-secret", t.secret, "-dialconc", strconv.Itoa(o.dialConc))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	g := &loadgen{cmd: cmd, stdin: stdin, ready: make(chan [2]int64, 1), reports: make(chan []byte, 1), exited: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 256<<20)
		for sc.Scan() {
			line := sc.Text()
			verb, rest, _ := strings.Cut(line, " ")
			switch verb {
			case "ready":
				var r [2]int64
				fmt.Sscan(rest, &r[0], &r[1])
				g.ready <- r
			case "count":
				var n, alive int64
				fmt.Sscan(rest, &n, &alive)
				g.count.Store(n)
				g.alive.Store(alive)
			case "report":
				g.reports <- []byte(rest)
			}
		}
		g.exited <- cmd.Wait()
	}()
	return g, nil
}

// parallel calls fn(i) for i = 0, step, 2·step, … below n on workers
// goroutines and returns the first error; after an error no new work is
// handed out.
func parallel(n, step, workers int, fn func(i int) error) error {
	next, stop := make(chan int), make(chan struct{})
	go func() {
		defer close(next)
		for i := 0; i < n; i += step {
			select {
			case next <- i:
			case <-stop:
				return
			}
		}
	}()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; close(stop) })
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}
