package supervisor_test

import (
	"math"
	"testing"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// FuzzDecide plays random runs of failures and clock steps against a strategy
// and checks the decisions against a model that remembers every restart:
// the delay stays within [0, max] (and at least half the nominal delay),
// the escalations match a plain count of restarts in the window, and the
// History never holds more than n+1 times.
//
// Each byte of script is one failure: the low two bits choose the directive
// the decider returns (0 stands for a broken decider's zero value), the
// rest, times step, how far the clock moves first.
func FuzzDecide(f *testing.F) {
	f.Add(uint8(3), uint16(1000), uint16(10), uint16(200), 0.5, int64(1e6), []byte{1, 1, 1, 1, 1, 1})
	f.Add(uint8(0), uint16(1), uint16(0), uint16(0), 0.0, int64(1), []byte{0, 1, 2, 3})
	f.Add(uint8(10), uint16(10000), uint16(10), uint16(1000), 0.999, int64(1e7), []byte{5, 9, 1, 0xff, 0x81, 1, 1, 1, 2})
	f.Fuzz(func(t *testing.T, n uint8, windowMS, minMS, maxMS uint16, r float64, step int64, script []byte) {
		window := time.Duration(windowMS)*time.Millisecond + 1
		lo, hi := time.Duration(minMS)*time.Millisecond, time.Duration(maxMS)*time.Millisecond
		if lo == 0 || hi < lo {
			lo, hi = 0, 0
		}
		// The model below rescans every restart at each step, so a run costs
		// the square of the script's length, and the fuzzer grows scripts to
		// hundreds of kilobytes: one such run never ends. Nothing new
		// happens past a thousand failures (History holds at most 256 times;
		// the backoff's run counter stops at 65).
		if len(script) > 1024 {
			script = script[:1024]
		}
		if step < 0 {
			step = -(step + 1)
		}
		step %= int64(time.Minute)
		clock := newClock()
		s := supervisor.OneForOne(
			supervisor.WithMaxRestarts(int(n), window),
			supervisor.WithBackoff(lo, hi),
			supervisor.WithClock(clock.now),
			supervisor.WithJitter(func() float64 { return r }),
			supervisor.WithDecider(func(reason any) supervisor.Directive { return reason.(supervisor.Directive) }),
		)
		quiet := max(window, 2*hi)

		var h supervisor.History
		var restarts []time.Time // every restart, never forgotten
		var inRow int
		var last time.Time
		for i, b := range script {
			clock.advance(time.Duration(b>>2) * time.Duration(step))
			asked := supervisor.Directive(b & 3)
			d := s.Decide(&h, supervisor.Failure{Reason: asked})

			if d.Delay < 0 || d.Delay > hi {
				t.Fatalf("failure %d: delay %v outside [0, %v]", i, d.Delay, hi)
			}
			if d.Delay != 0 && d.Directive != supervisor.Restart {
				t.Fatalf("failure %d: %+v has a delay without a restart", i, d)
			}
			if d.Exceeded != (d.Directive == supervisor.Escalate && asked == supervisor.Restart) {
				t.Fatalf("failure %d: asked %v, got %+v", i, asked, d)
			}
			if l := supervisor.HistoryLen(&h); l > int(n)+1 {
				t.Fatalf("failure %d: History holds %d restart times, n is %d", i, l, n)
			}
			if asked != supervisor.Restart {
				want := asked
				if asked == 0 {
					want = supervisor.Escalate
				}
				if d != (supervisor.Decision{Directive: want}) {
					t.Fatalf("failure %d: asked %v, got %+v", i, asked, d)
				}
				continue
			}

			now := clock.now()
			if inRow > 0 && now.Sub(last) >= quiet {
				inRow = 0
			}
			inRow++
			last = now
			restarts = append(restarts, now)
			recent := 0
			for _, at := range restarts {
				if now.Sub(at) < window {
					recent++
				}
			}
			if wantExceeded := recent > int(n); d.Exceeded != wantExceeded {
				t.Fatalf("failure %d: %d restarts within %v, n is %d, got %+v", i, recent, window, n, d)
			}
			if d.Exceeded {
				continue
			}
			nominal := nominalDelay(lo, hi, inRow)
			if d.Delay > nominal || d.Delay < nominal/2 {
				t.Fatalf("failure %d: restart %d in a row waits %v, want %v..%v", i, inRow, d.Delay, nominal/2, nominal)
			}
		}
	})
}

// nominalDelay is min*2^(k-2) capped at max, written with floating point so
// it shares nothing with the code under test.
func nominalDelay(lo, hi time.Duration, k int) time.Duration {
	if k < 2 || lo == 0 {
		return 0
	}
	v := float64(lo) * math.Pow(2, float64(k-2))
	if v >= float64(hi) {
		return hi
	}
	return time.Duration(v)
}
