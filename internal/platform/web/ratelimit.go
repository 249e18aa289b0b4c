package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimiter is a set of token buckets keyed by string (a client IP, an
// account, a phone number). Its memory is bounded: keys whose bucket is full
// again are forgotten, since a fresh bucket behaves the same. It is safe for
// concurrent use.
type RateLimiter struct {
	limit   rate.Limit
	burst   int
	maxKeys int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	calls   int
}

// DefaultMaxKeys bounds the keys a RateLimiter remembers. Under a flood of
// more distinct keys than this, arbitrary busy keys are dropped (and start
// again with a full bucket).
const DefaultMaxKeys = 100_000

// NewRateLimiter returns a limiter allowing each key limit events per second
// with bursts of burst.
func NewRateLimiter(limit rate.Limit, burst int) *RateLimiter {
	return &RateLimiter{limit: limit, burst: burst, maxKeys: DefaultMaxKeys, buckets: make(map[string]*rate.Limiter)}
}

// Allow takes one token from key's bucket. When none is left it returns
// false and how long until the next token.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 || len(l.buckets) >= l.maxKeys {
		l.sweep(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[key] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	wait := time.Second
	if l.limit > 0 {
		wait = time.Duration((1 - b.TokensAt(now)) / float64(l.limit) * float64(time.Second))
	}
	return false, wait
}

// sweep forgets full buckets, then, if still at the bound, arbitrary others.
func (l *RateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys {
			break
		}
		delete(l.buckets, k)
	}
}

// Len returns the number of keys remembered.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// Limit returns middleware that rate-limits requests by key(r); over the
// limit it answers errs.RateLimited (429 with Retry-After) through Error. An
// empty key is not limited.
func (l *RateLimiter) Limit(key func(*http.Request) string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if k := key(r); k != "" {
				if ok, wait := l.Allow(k); !ok {
					Error(w, r, RateLimited(wait))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ClientIP returns the client's IP address: the host of r.RemoteAddr, or,
// when the server's Options set TrustProxy, the last address of
// X-Forwarded-For (the one the trusted proxy appended).
func ClientIP(r *http.Request) string {
	if optionsFrom(r).TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
