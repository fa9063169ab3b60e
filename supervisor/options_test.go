package supervisor_test

import (
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// Options with impossible values are programmer errors, caught when the
// strategy is built.
func TestOptionPanics(t *testing.T) {
	tests := []struct {
		name string
		opt  func() supervisor.Option
	}{
		{"negative restarts", func() supervisor.Option { return supervisor.WithMaxRestarts(-1, time.Second) }},
		{"zero window", func() supervisor.Option { return supervisor.WithMaxRestarts(1, 0) }},
		{"negative window", func() supervisor.Option { return supervisor.WithMaxRestarts(1, -time.Second) }},
		{"negative min", func() supervisor.Option { return supervisor.WithBackoff(-1, time.Second) }},
		{"max below min", func() supervisor.Option { return supervisor.WithBackoff(time.Second, time.Millisecond) }},
		{"zero min, positive max", func() supervisor.Option { return supervisor.WithBackoff(0, time.Second) }},
		{"positive min, zero max", func() supervisor.Option { return supervisor.WithBackoff(time.Second, 0) }},
		{"unknown restart type", func() supervisor.Option { return supervisor.WithRestartType(3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			supervisor.OneForOne(tt.opt())
		})
	}
}

// nil options and nil seams fall back to the defaults.
func TestNilOptions(t *testing.T) {
	s := supervisor.OneForOne(nil, supervisor.WithClock(nil), supervisor.WithJitter(nil), supervisor.WithDecider(nil))
	var h supervisor.History
	for i := range 3 {
		d := s.Decide(&h, supervisor.Failure{Reason: "boom"})
		if d.Directive != supervisor.Restart || d.Delay > 20*ms {
			t.Fatalf("failure %d: %+v", i+1, d)
		}
	}
}

// Later options win, as the order of a call's arguments suggests.
func TestLaterOptionWins(t *testing.T) {
	s := supervisor.OneForOne(
		supervisor.WithMaxRestarts(1, time.Second),
		supervisor.WithMaxRestarts(7, time.Minute),
		supervisor.WithRestartType(supervisor.Temporary),
		supervisor.WithRestartType(supervisor.Permanent),
	)
	if n, w, _, _ := supervisor.Limits(s); n != 7 || w != time.Minute {
		t.Errorf("limits %d in %v, want 7 in 1m", n, w)
	}
	if rt := s.RestartType(); rt != supervisor.Permanent {
		t.Errorf("RestartType() = %v, want permanent", rt)
	}
}

// One Strategy serves many supervisors at once; each owns its History.
// Run with -race.
func TestStrategySharedAcrossGoroutines(t *testing.T) {
	s := supervisor.AllForOne(supervisor.WithMaxRestarts(1000, time.Minute))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var h supervisor.History
			for i := range 500 {
				if d := s.Decide(&h, supervisor.Failure{Reason: i}); d.Directive != supervisor.Restart || d.Delay > time.Second {
					t.Errorf("failure %d: %+v", i+1, d)
					return
				}
				s.Affected(4, i%4)
			}
		})
	}
	wg.Wait()
}
