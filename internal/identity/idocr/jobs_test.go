package idocr

import (
	"testing"
	"time"
)

// waitJob polls Status until the job has ended, as the filing page does.
func waitJob(t *testing.T, r *Recognizer, id string) Job {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		job, err := r.Status(id)
		if err != nil {
			t.Fatal(err)
		}
		if job.State == JobDone || job.State == JobFailed {
			return job
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("job did not end within a minute")
	return Job{}
}

func TestSubmitAndStatus(t *testing.T) {
	r := newRecognizer(t, Options{})
	c := demoCard()
	id, err := r.Submit(encodeJPEG(t, renderCard(t, c), 80))
	if err != nil {
		t.Fatal(err)
	}
	job, err := r.Status(id)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != JobPending && job.State != JobRunning && job.State != JobDone {
		t.Errorf("state right after Submit = %s", job.State)
	}
	job = waitJob(t, r, id)
	if job.State != JobDone || job.Err != nil {
		t.Fatalf("job = %s, %v", job.State, job.Err)
	}
	for field, want := range wantOf(c) {
		if got := job.Result.Fields[field].Value; got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
}
