package supervisor_test

import (
	"math"
	"testing"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// However many failures a History sees, it holds at most n+1 restart times
// and has room for no more.
func TestHistoryBounded(t *testing.T) {
	const failures = 10_000
	tests := []struct {
		name string
		n    int
		step time.Duration // clock advance between failures
		want int           // restart times held at the end
	}{
		{"n=0", 0, 0, 1},
		{"n=1", 1, 0, 2},
		{"n=10", 10, 0, 11},
		{"n=1000", 1000, 0, 1001},
		{"n=10, ten in the window", 10, 100 * ms, 10},
		{"n=10, twenty in the window", 10, 50 * ms, 11},
		{"n=1000, slower than the window", 1000, 2 * time.Second, 1},
		{"n=1000, half in the window", 1000, 2 * ms, 500},
		{"n=MaxInt", math.MaxInt, 0, failures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			s := supervisor.OneForOne(
				supervisor.WithMaxRestarts(tt.n, time.Second),
				supervisor.WithClock(clock.now),
			)
			bound := min(tt.n, failures-1) + 1
			var h supervisor.History
			for i := range failures {
				clock.advance(tt.step)
				s.Decide(&h, supervisor.Failure{Reason: i})
				if l, c := supervisor.HistoryLen(&h), supervisor.HistoryCap(&h); l > bound || (tt.n < math.MaxInt && c > bound) {
					t.Fatalf("failure %d: History holds %d in room for %d, want at most %d", i+1, l, c, bound)
				}
			}
			if got := supervisor.HistoryLen(&h); got != tt.want {
				t.Errorf("History holds %d restart times, want %d", got, tt.want)
			}
			if c := supervisor.HistoryCap(&h); c > 2*failures {
				t.Errorf("History has room for %d restart times after %d failures", c, failures)
			}
		})
	}
}
