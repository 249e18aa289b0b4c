// Package idocr reads the front (portrait side) of a Chinese resident
// identity card from a photo, so that a litigant filing from a phone can
// confirm the six printed fields instead of typing them.
//
// Recognition runs the `tesseract` command (Debian tesseract-ocr and
// tesseract-ocr-chi-sim) with `-l chi_sim --psm 6` on a normalised grayscale
// copy of the photo, then parses its text tolerantly and cross-checks the
// fields against the identity number (GB 11643-1999). Nothing here rejects a
// card: a field that fails a check is flagged for the person to correct, and
// every field can always be typed by hand. When tesseract or its Chinese
// data is missing, Available reports false and the filing page says so.
//
// OCR is CPU-heavy (about 0.3–1 s per attempt, up to four attempts for a
// rotated photo), so it runs under a semaphore and, for HTTP handlers, off the
// request path through Submit and Status: an in-memory, per-process job
// queue. Jobs are lost on restart and are not shared between replicas; a
// client whose job disappeared uploads again or fills the form by hand.
package idocr

import (
	"context"
	"embed"
	"io/fs"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the package's i18n bundle (keys "idocr.*"): the unavailable
// notice, problem explanations, photo hints and job states.
var Messages, _ = fs.Sub(messagesFS, "messages")

// Options configure a Recognizer. The zero value is usable.
type Options struct {
	// Binary is the tesseract command, looked up in PATH; default "tesseract".
	Binary string
	// Lang is the tesseract language; default "chi_sim".
	Lang string
	// PSM is tesseract's page segmentation mode; default 6 (one uniform block
	// of text), which keeps the card's label–value lines together.
	PSM int
	// Timeout bounds one recognition (all its attempts); default 20 s.
	Timeout time.Duration
	// MaxConcurrent is how many recognitions run at once; default half the
	// CPUs, at least 1 (1 on a 2-core machine). Tesseract itself is limited
	// to one thread per process.
	MaxConcurrent int
	// MaxBytes limits the uploaded photo; default 10 MiB.
	MaxBytes int64
	// MaxPixels limits the decoded photo; default 40 million pixels.
	MaxPixels int
	// QueueSize bounds the jobs waiting or running in the Submit queue;
	// default 16.
	QueueSize int
	// JobTTL is how long a finished job stays readable by Status; default
	// 10 minutes after submission.
	JobTTL time.Duration
}

func (o Options) withDefaults() Options {
	if o.Binary == "" {
		o.Binary = "tesseract"
	}
	if o.Lang == "" {
		o.Lang = "chi_sim"
	}
	if o.PSM == 0 {
		o.PSM = 6
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = max(1, runtime.NumCPU()/2)
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 10 << 20
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = 40_000_000
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 16
	}
	if o.JobTTL <= 0 {
		o.JobTTL = 10 * time.Minute
	}
	return o
}

// Recognizer reads identity-card photos. It is safe for concurrent use.
// Create it with New; call Close at shutdown to stop queued jobs.
type Recognizer struct {
	opts Options
	sem  chan struct{}
	now  func() time.Time

	probe     sync.Once
	available bool
	osd       bool   // osd.traineddata is installed: ask tesseract for the orientation
	path      string // resolved binary

	jobs jobQueue
}

// New returns a Recognizer. It does not run tesseract; Available does, once.
func New(opts Options) *Recognizer {
	o := opts.withDefaults()
	r := &Recognizer{opts: o, sem: make(chan struct{}, o.MaxConcurrent), now: time.Now}
	r.jobs.init()
	return r
}

// Available reports whether the tesseract binary exists and has the
// configured language installed (`tesseract --list-langs`). The answer is
// computed on the first call and cached for the life of the process, so
// installing tesseract takes effect at the next start.
func (r *Recognizer) Available() bool {
	r.probe.Do(func() {
		path, err := exec.LookPath(r.opts.Binary)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		langs, err := listLangs(ctx, path)
		if err != nil {
			return
		}
		r.path, r.available, r.osd = path, langs[r.opts.Lang], langs["osd"]
	})
	return r.available
}

func errUnavailable(cause error) error {
	return errs.Wrap(errs.Unavailable, "idocr.unavailable", cause)
}

// acquire takes a semaphore slot, waiting no longer than ctx allows.
func (r *Recognizer) acquire(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errs.Wrap(errs.Unavailable, "idocr.ocr_busy", ctx.Err())
	}
}

func (r *Recognizer) release() { <-r.sem }
