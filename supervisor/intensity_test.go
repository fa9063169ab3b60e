package supervisor_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// step is one failure in a scripted run: the clock moves by after, then the
// failure is decided.
type step struct {
	after    time.Duration
	exceeded bool
}

func TestIntensity(t *testing.T) {
	const w = 10 * time.Second
	tests := []struct {
		name  string
		n     int
		steps []step
	}{
		{"n within window pass, n+1 escalates", 3, []step{{0, false}, {time.Second, false}, {time.Second, false}, {time.Second, true}}},
		{"all at one instant", 3, []step{{0, false}, {0, false}, {0, false}, {0, true}, {0, true}}},
		{"restart exactly window old is forgotten", 1, []step{{0, false}, {w, false}}},
		{"restart window-1ns old still counts", 1, []step{{0, false}, {w - 1, true}}},
		{"restarts slide out of the window", 2, []step{
			{0, false},               // t=0
			{5 * time.Second, false}, // t=5: two in window
			{5 * time.Second, false}, // t=10: t=0 forgotten, two in window
			{2 * time.Second, true},  // t=12: 5, 10, 12 are three
		}},
		{"an escalated restart is remembered", 1, []step{
			{0, false},              // t=0
			{time.Second, true},     // t=1: over the limit, and recorded
			{w - time.Second, true}, // t=10: t=0 gone, t=1 still counts
			{time.Second, true},     // t=11: t=1 gone, t=10 counts
			{w, false},              // t=21: all gone
		}},
		{"a quiet window forgives everything", 2, []step{{0, false}, {0, false}, {0, true}, {w, false}, {0, false}, {0, true}}},
		{"n=0 never restarts", 0, []step{{0, true}, {w, true}, {time.Hour, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			s := supervisor.OneForOne(
				supervisor.WithMaxRestarts(tt.n, w),
				supervisor.WithBackoff(0, 0),
				supervisor.WithClock(clock.now),
			)
			var h supervisor.History
			for i, st := range tt.steps {
				clock.advance(st.after)
				got := s.Decide(&h, supervisor.Failure{Reason: i})
				want := supervisor.Decision{Directive: supervisor.Restart}
				if st.exceeded {
					want = supervisor.Decision{Directive: supervisor.Escalate, Exceeded: true}
				}
				if got != want {
					t.Fatalf("failure %d: Decide = %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

// The same edges with the real clock, under synctest's fake time.
func TestIntensityRealClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := supervisor.OneForOne(supervisor.WithMaxRestarts(2, time.Second), supervisor.WithBackoff(0, 0))
		var h supervisor.History
		decide := func(wantExceeded bool) {
			t.Helper()
			if got := s.Decide(&h, supervisor.Failure{Reason: "boom"}); got.Exceeded != wantExceeded {
				t.Fatalf("at %v: Decide = %+v, want Exceeded %v", time.Now(), got, wantExceeded)
			}
		}
		decide(false)                      // t=0
		time.Sleep(500 * time.Millisecond) // t=0.5
		decide(false)
		time.Sleep(500 * time.Millisecond) // t=1.0: t=0 is exactly a window old
		decide(false)
		time.Sleep(499 * time.Millisecond) // t=1.499: 0.5, 1.0 and 1.499 within a second
		decide(true)
	})
}
