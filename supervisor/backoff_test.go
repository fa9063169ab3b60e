package supervisor_test

import (
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

const ms = time.Millisecond

// restartDelays decides len(want) failures at one instant and returns the
// delays.
func restartDelays(t *testing.T, s *supervisor.Strategy, k int) []time.Duration {
	t.Helper()
	var h supervisor.History
	var got []time.Duration
	for range k {
		d := s.Decide(&h, supervisor.Failure{Reason: "boom"})
		if d.Directive != supervisor.Restart {
			t.Fatalf("Decide = %+v, want a restart", d)
		}
		got = append(got, d.Delay)
	}
	return got
}

// The first restart in a row is immediate; the k-th waits the shared
// policy's (k-1)-th delay (its growth and jitter are tested in
// internal/backoff).
func TestBackoffGrowth(t *testing.T) {
	tests := []struct {
		name     string
		min, max time.Duration
		want     []time.Duration
	}{
		{"off", 0, 0, []time.Duration{0, 0, 0, 0, 0}},
		{"defaults", 10 * ms, time.Second, []time.Duration{0, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := supervisor.OneForOne(
				supervisor.WithMaxRestarts(100, time.Hour),
				supervisor.WithBackoff(tt.min, tt.max),
				supervisor.WithClock(newClock().now),
				supervisor.WithJitter(noJitter),
			)
			got := restartDelays(t, s, len(tt.want))
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("restart %d: delay %v, want %v (all: %v)", i+1, got[i], tt.want[i], got)
				}
			}
		})
	}
}

func TestQuietPeriod(t *testing.T) {
	tests := []struct {
		window, max, want time.Duration
	}{
		{10 * time.Second, time.Second, 10 * time.Second},
		{time.Second, 2 * time.Second, 4 * time.Second},
		{time.Second, 500 * ms, time.Second},
		{time.Second, 0, time.Second},
		{time.Second, math.MaxInt64, math.MaxInt64},
	}
	for _, tt := range tests {
		min := min(tt.max, 10*ms)
		s := supervisor.OneForOne(supervisor.WithMaxRestarts(5, tt.window), supervisor.WithBackoff(min, tt.max))
		if got := supervisor.Quiet(s); got != tt.want {
			t.Errorf("window %v, max %v: quiet %v, want %v", tt.window, tt.max, got, tt.want)
		}
	}
}

func TestBackoffResetsAfterQuiet(t *testing.T) {
	tests := []struct {
		name        string
		window, max time.Duration
		quiet       time.Duration
	}{
		{"window is longer", 10 * time.Second, time.Second, 10 * time.Second},
		{"twice max is longer", time.Second, 2 * time.Second, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			s := supervisor.OneForOne(
				supervisor.WithMaxRestarts(1000, tt.window),
				supervisor.WithBackoff(10*ms, tt.max),
				supervisor.WithClock(clock.now),
				supervisor.WithJitter(noJitter),
			)
			var h supervisor.History
			decide := func(after, want time.Duration) {
				t.Helper()
				clock.advance(after)
				if d := s.Decide(&h, supervisor.Failure{}); d.Delay != want {
					t.Fatalf("after %v: delay %v, want %v", after, d.Delay, want)
				}
			}
			decide(0, 0)
			decide(0, 10*ms)
			decide(0, 20*ms)
			decide(tt.quiet-1, 40*ms) // just inside the quiet spell: still in a row
			decide(tt.quiet, 0)       // a full quiet spell: forgiven
			decide(0, 10*ms)
		})
	}
}

// Huge ranges must neither overflow the doubling nor the run counter.
func TestBackoffNoOverflow(t *testing.T) {
	tests := []struct{ min, max time.Duration }{
		{1, math.MaxInt64},
		{time.Hour, math.MaxInt64},
		{math.MaxInt64 / 3, math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		s := supervisor.OneForOne(
			supervisor.WithMaxRestarts(math.MaxInt, time.Hour),
			supervisor.WithBackoff(tt.min, tt.max),
			supervisor.WithClock(newClock().now),
			supervisor.WithJitter(noJitter),
		)
		var h supervisor.History
		var prev time.Duration
		for i := range 10_000 {
			d := s.Decide(&h, supervisor.Failure{})
			if d.Delay < prev || d.Delay > tt.max {
				t.Fatalf("%v..%v restart %d: delay %v after %v", tt.min, tt.max, i+1, d.Delay, prev)
			}
			prev = d.Delay
		}
		if prev != tt.max {
			t.Errorf("%v..%v: delay settled at %v, want %v", tt.min, tt.max, prev, tt.max)
		}
		if c := supervisor.Consecutive(&h); c > supervisor.MaxConsecutive {
			t.Errorf("%v..%v: run counter %d past %d", tt.min, tt.max, c, supervisor.MaxConsecutive)
		}
	}
}

// With the real clock and real jitter: a child that crashes as soon as it
// is restarted backs off, gives up within a few seconds, and a later crash
// after a quiet spell is restarted at once.
func TestBackoffRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := supervisor.Default()
		var h supervisor.History
		start := time.Now()
		nominal := []time.Duration{0, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}
		for i, n := range nominal {
			d := s.Decide(&h, supervisor.Failure{Reason: "crash on start"})
			if d.Directive != supervisor.Restart || d.Delay > n || d.Delay < n/2 {
				t.Fatalf("restart %d: %+v, want a restart after %v..%v", i+1, d, n/2, n)
			}
			time.Sleep(d.Delay)
		}
		if d := s.Decide(&h, supervisor.Failure{Reason: "crash on start"}); !d.Exceeded {
			t.Fatalf("11th restart within %v: %+v, want Exceeded", time.Since(start), d)
		}
		time.Sleep(10 * time.Second) // the window, which is also the quiet spell
		if d := s.Decide(&h, supervisor.Failure{}); d != (supervisor.Decision{Directive: supervisor.Restart}) {
			t.Fatalf("after a quiet spell: %+v, want an immediate restart", d)
		}
		time.Sleep(10*time.Second - 1)
		if d := s.Decide(&h, supervisor.Failure{}); d.Directive != supervisor.Restart || d.Delay < 5*ms || d.Delay > 10*ms {
			t.Fatalf("just inside the quiet spell: %+v, want a restart after 5ms..10ms", d)
		}
	})
}
