package supervisor

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Option configures a Strategy when it is built. Options are values, not
// functions the caller can run, so nobody can reconfigure a Strategy that
// is already shared.
type Option interface {
	apply(*Strategy)
}

type optionFunc func(*Strategy)

func (f optionFunc) apply(s *Strategy) { f(s) }

// WithMaxRestarts sets the restart intensity, OTP's MaxR and MaxT: when a
// restart would make more than n restarts within window, the decision is to
// escalate instead. n = 0 allows no restart at all: the first failure that
// would restart escalates.
//
// A restart is remembered for exactly window: one that is window old or
// older no longer counts.
//
// It panics if n < 0 or window <= 0.
func WithMaxRestarts(n int, window time.Duration) Option {
	if n < 0 {
		panic(fmt.Sprintf("supervisor: WithMaxRestarts: negative restart count %d", n))
	}
	if window <= 0 {
		panic(fmt.Sprintf("supervisor: WithMaxRestarts: window %v is not positive", window))
	}
	return optionFunc(func(s *Strategy) { s.maxRestarts, s.window = n, window })
}

// WithBackoff sets the delay before consecutive restarts. The first restart
// after a quiet spell is immediate; the k-th in a row (k >= 2) waits
// min*2^(k-2), at most max, less a random part of up to half of it so that
// children that failed together do not restart together. The quiet spell
// that resets the count is the longer of the intensity window and 2*max.
//
// WithBackoff(0, 0) turns the delay off. It panics if min < 0, if max < min,
// or if min is 0 while max is not (a doubling that starts at zero never
// grows, which is surely not what was meant).
func WithBackoff(min, max time.Duration) Option {
	if min < 0 || max < min || (min == 0 && max != 0) {
		panic(fmt.Sprintf("supervisor: WithBackoff(%v, %v): want 0 < min <= max, or both 0", min, max))
	}
	return optionFunc(func(s *Strategy) { s.minBackoff, s.maxBackoff = min, max })
}

// WithDecider sets the function that turns a failure's reason into a
// directive. A nil d means the default, which restarts on every failure.
func WithDecider(d Decider) Option {
	if d == nil {
		d = restartAll
	}
	return optionFunc(func(s *Strategy) { s.decider = d })
}

// WithRestartType sets the restart type of the children the strategy
// supervises (Transient unless set). It panics if t is not a RestartType.
func WithRestartType(t RestartType) Option {
	if !t.valid() {
		panic(fmt.Sprintf("supervisor: WithRestartType: %v is not a restart type", t))
	}
	return optionFunc(func(s *Strategy) { s.restartType = t })
}

// WithClock replaces time.Now as the source of the time at which failures
// are recorded. It exists for tests; nil means time.Now.
func WithClock(now func() time.Time) Option {
	if now == nil {
		now = time.Now
	}
	return optionFunc(func(s *Strategy) { s.now = now })
}

// WithJitter replaces the source of the random part of the backoff delay,
// which must return a value in [0, 1); values outside are clamped. It
// exists for tests; nil means math/rand/v2's Float64.
func WithJitter(random func() float64) Option {
	if random == nil {
		random = rand.Float64
	}
	return optionFunc(func(s *Strategy) { s.rand = random })
}
