package idocr

import (
	"bytes"
	"context"
	"crypto/rand"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// JobState is the state of a queued recognition.
type JobState string

// The job states, in order.
const (
	JobPending JobState = "pending" // waiting for a free slot
	JobRunning JobState = "running"
	JobDone    JobState = "done"   // Result is set
	JobFailed  JobState = "failed" // Err is set
)

// Job is a snapshot of a queued recognition.
type Job struct {
	ID        string
	State     JobState
	Result    Result
	Err       error
	Submitted time.Time
}

// jobQueue is the in-memory, per-process queue behind Submit and Status.
type jobQueue struct {
	mu     sync.Mutex
	jobs   map[string]*Job
	active int // pending or running
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (q *jobQueue) init() {
	q.jobs = make(map[string]*Job)
	q.ctx, q.cancel = context.WithCancel(context.Background())
}

// Submit queues a recognition of img and returns its job ID at once, for an
// HTTP handler that answers before the OCR runs; the page (htmx) or the API
// client then polls Status. The ID is 128 random bits: give it only to the
// person who uploaded the photo, whose personal data the result holds.
// Submit keeps img until the job ends; the caller must not change it.
//
// The queue lives in this process's memory: jobs are lost on restart, are
// not visible to other replicas, and are forgotten Options.JobTTL (10
// minutes) after submission. A photo whose header is sound but whose
// pixels are corrupt fails in the job with the same invalid error. A filing can always be completed by hand.
//
// Errors, returned at once: those of Recognize for a missing tesseract or an
// invalid photo (checked by content and size before queueing), and
// errs.Unavailable "idocr.ocr_busy" when Options.QueueSize jobs are already
// pending or running.
func (r *Recognizer) Submit(img []byte) (string, error) {
	if !r.Available() {
		return "", errUnavailable(nil)
	}
	data, ct, err := readPhoto(bytes.NewReader(img), r.opts.MaxBytes)
	if err != nil {
		return "", err
	}
	if err := checkPhoto(data, ct, r.opts.MaxPixels); err != nil {
		return "", err
	}
	q := &r.jobs
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ctx.Err() != nil {
		return "", errUnavailable(q.ctx.Err())
	}
	r.sweep()
	if q.active >= r.opts.QueueSize {
		return "", errs.New(errs.Unavailable, "idocr.ocr_busy")
	}
	job := &Job{ID: rand.Text(), State: JobPending, Submitted: r.now()}
	q.jobs[job.ID] = job
	q.active++
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		res, err := r.recognize(q.ctx, data, ct, func() {
			q.mu.Lock()
			job.State = JobRunning
			q.mu.Unlock()
		})
		q.mu.Lock()
		defer q.mu.Unlock()
		q.active--
		if err != nil {
			job.State, job.Err = JobFailed, err
			return
		}
		job.State, job.Result = JobDone, res
	}()
	return job.ID, nil
}

// Status returns a snapshot of the job. Errors: errs.NotFound
// "idocr.job_not_found" for an unknown or expired job ID.
func (r *Recognizer) Status(jobID string) (Job, error) {
	q := &r.jobs
	q.mu.Lock()
	defer q.mu.Unlock()
	r.sweep()
	job, ok := q.jobs[jobID]
	if !ok {
		return Job{}, errs.New(errs.NotFound, "idocr.job_not_found")
	}
	return *job, nil
}

// sweep forgets finished jobs older than JobTTL. The caller holds q.mu.
func (r *Recognizer) sweep() {
	cutoff := r.now().Add(-r.opts.JobTTL)
	for id, job := range r.jobs.jobs {
		if (job.State == JobDone || job.State == JobFailed) && job.Submitted.Before(cutoff) {
			delete(r.jobs.jobs, id)
		}
	}
}

// Close stops the queue: queued jobs fail, running ones are killed, and
// Close returns when all have ended. Submit fails afterwards; Recognize
// still works.
func (r *Recognizer) Close() {
	r.jobs.cancel()
	r.jobs.wg.Wait()
}
