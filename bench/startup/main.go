// Command startup measures a server's cold start (from exec until its
// readiness URL answers 200) and its idle memory (VmRSS after it has been
// ready and idle for a while). It measures ecourt and a peer the same way,
// alternating runs, so both see the same machine conditions.
//
//	go run ./bench/startup -runs 5 -- NAME READY_URL CMD ARGS… [-- NAME READY_URL CMD ARGS…]
//
// In CMD and ARGS, {port} is replaced by a free port and {dir} by a fresh
// temporary directory for each run; with -warm the same directory is reused
// after a first, unmeasured start (a restart of an existing installation).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type target struct {
	name, ready string
	cmd         []string
	dir         string
	starts      []time.Duration
	rss         []float64
}

func main() {
	runs := flag.Int("runs", 5, "runs per target")
	idle := flag.Duration("idle", 5*time.Second, "idle time before reading memory")
	warm := flag.Bool("warm", false, "reuse the data directory after an unmeasured first start")
	flag.Parse()
	var targets []*target
	var cur []string
	flush := func() {
		if len(cur) >= 3 {
			targets = append(targets, &target{name: cur[0], ready: cur[1], cmd: cur[2:]})
		}
		cur = nil
	}
	for _, a := range flag.Args() {
		if a == "--" {
			flush()
			continue
		}
		cur = append(cur, a)
	}
	flush()
	if len(targets) == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup [-runs N] -- NAME READY_URL CMD ARGS… [-- …]")
		os.Exit(2)
	}
	for _, t := range targets {
		if *warm {
			t.dir, _ = os.MkdirTemp("", "startup-")
			if _, _, err := t.run(0); err != nil {
				fmt.Fprintln(os.Stderr, t.name, "warm-up:", err)
				os.Exit(1)
			}
		}
	}
	for i := 0; i < *runs; i++ {
		for _, t := range targets {
			d, rss, err := t.run(*idle)
			if err != nil {
				fmt.Fprintln(os.Stderr, t.name, err)
				os.Exit(1)
			}
			t.starts = append(t.starts, d)
			t.rss = append(t.rss, rss)
		}
	}
	fmt.Printf("%-12s %10s %10s %10s %14s\n", "target", "start_med", "start_min", "start_max", "idle_rss_med")
	for _, t := range targets {
		sort.Slice(t.starts, func(i, j int) bool { return t.starts[i] < t.starts[j] })
		sort.Float64s(t.rss)
		fmt.Printf("%-12s %8.0fms %8.0fms %8.0fms %12.1fMB\n", t.name, ms(t.starts[len(t.starts)/2]), ms(t.starts[0]),
			ms(t.starts[len(t.starts)-1]), t.rss[len(t.rss)/2])
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func (t *target) run(idle time.Duration) (time.Duration, float64, error) {
	port := freePort()
	dir := t.dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "startup-"); err != nil {
			return 0, 0, err
		}
		defer os.RemoveAll(dir)
	}
	sub := func(s string) string {
		return strings.NewReplacer("{port}", port, "{dir}", dir).Replace(s)
	}
	args := make([]string, len(t.cmd))
	for i, a := range t.cmd {
		args[i] = sub(a)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}()
	url := sub(t.ready)
	client := &http.Client{Timeout: time.Second}
	for {
		if time.Since(start) > 60*time.Second {
			return 0, 0, fmt.Errorf("not ready after 60 s")
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(start)
	if idle == 0 {
		return took, 0, nil
	}
	time.Sleep(idle)
	return took, rssMB(cmd.Process.Pid), nil
}

// rssMB reads the resident set size of pid from /proc.
func rssMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
