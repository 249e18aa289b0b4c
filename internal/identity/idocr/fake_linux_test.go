package idocr

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// fakeTesseract writes a stand-in for tesseract that lists chi_sim and then,
// for a recognition, starts a child and waits on it for a minute, recording
// both process IDs in pidFile. It shows whether a timeout kills the whole
// process group, and holds jobs running for the queue tests.
func fakeTesseract(t *testing.T) (binary, pidFile string) {
	t.Helper()
	dir := t.TempDir()
	pidFile = filepath.Join(dir, "pids")
	binary = filepath.Join(dir, "tesseract")
	script := `#!/bin/sh
if [ "$1" = "--list-langs" ]; then
	echo 'List of available languages in "/fake/" (2):'
	echo chi_sim
	echo osd
	exit 0
fi
sleep 60 &
echo $$ $! >> '` + pidFile + `'
wait
`
	if err := os.WriteFile(binary, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binary, pidFile
}

// smallPNG is a valid photo that the fake binary never really reads.
func smallPNG(t *testing.T) []byte {
	return encodePNG(t, scaleDown(renderCard(t, demoCard()), 4))
}

func TestQueueBounded(t *testing.T) {
	bin, _ := fakeTesseract(t)
	r := New(Options{Binary: bin, QueueSize: 2, MaxConcurrent: 1})
	if !r.Available() {
		t.Fatal("fake tesseract not available")
	}
	photo := smallPNG(t)
	var ids []string
	for range 2 {
		id, err := r.Submit(photo)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	_, err := r.Submit(photo)
	if e, ok := errs.As(err); !ok || e.Code != errs.Unavailable || e.Key != "idocr.ocr_busy" {
		t.Fatalf("third Submit: got %v, want unavailable idocr.ocr_busy", err)
	}
	// One runs (MaxConcurrent 1), the other waits for the slot.
	states := waitStates(t, r, ids, func(s map[JobState]int) bool { return s[JobRunning] == 1 && s[JobPending] == 1 })
	t.Logf("states %v", states)

	r.Close() // kills the running tesseract, fails the waiting job
	for _, id := range ids {
		job, err := r.Status(id)
		if err != nil {
			t.Fatal(err)
		}
		if job.State != JobFailed || errs.CodeOf(job.Err) != errs.Unavailable {
			t.Errorf("after Close: %s %v, want failed unavailable", job.State, job.Err)
		}
	}
	if _, err := r.Submit(photo); errs.CodeOf(err) != errs.Unavailable {
		t.Errorf("Submit after Close: got %v, want unavailable", err)
	}
}

func waitStates(t *testing.T, r *Recognizer, ids []string, ok func(map[JobState]int) bool) map[JobState]int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s := make(map[JobState]int)
		for _, id := range ids {
			job, err := r.Status(id)
			if err != nil {
				t.Fatal(err)
			}
			s[job.State]++
		}
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("states %v never reached", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJobsExpire(t *testing.T) {
	bin, _ := fakeTesseract(t)
	r := New(Options{Binary: bin, Timeout: 50 * time.Millisecond})
	defer r.Close()
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	r.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	id, err := r.Submit(smallPNG(t))
	if err != nil {
		t.Fatal(err)
	}
	job := waitJob(t, r, id) // the fake times out: failed, idocr.timeout
	if job.State != JobFailed || !errorsIsUnavailable(job.Err, "idocr.timeout") {
		t.Fatalf("job = %s %v, want failed idocr.timeout", job.State, job.Err)
	}
	mu.Lock()
	now = now.Add(9 * time.Minute)
	mu.Unlock()
	if _, err := r.Status(id); err != nil {
		t.Fatalf("after 9 minutes: %v", err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if _, err := r.Status(id); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("after 11 minutes: got %v, want not found", err)
	}
	if _, err := r.Status("no-such-job"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown job: got %v, want not found", err)
	}
}

// TestTimeoutKillsProcessGroup checks that on timeout tesseract and any
// process it started are killed, not left running.
func TestTimeoutKillsProcessGroup(t *testing.T) {
	bin, pidFile := fakeTesseract(t)
	r := New(Options{Binary: bin, Timeout: 3 * time.Second})
	defer r.Close()
	_, err := r.Recognize(t.Context(), bytes.NewReader(smallPNG(t)))
	if !errorsIsUnavailable(err, "idocr.timeout") {
		t.Fatalf("got %v, want unavailable idocr.timeout", err)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(data)) {
		pid, _ := strconv.Atoi(f)
		deadline := time.Now().Add(10 * time.Second)
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still running after the timeout", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether the process exists and is not a zombie waiting to
// be reaped by init.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}
