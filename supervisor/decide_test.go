package supervisor_test

import (
	"testing"
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

func TestDecideDirective(t *testing.T) {
	const (
		resume   = supervisor.Resume
		restart  = supervisor.Restart
		stop     = supervisor.Stop
		escalate = supervisor.Escalate
	)
	tests := []struct {
		name    string
		decided supervisor.Directive
		rt      supervisor.RestartType
		want    supervisor.Directive
		counted bool // recorded as a restart in the History
	}{
		{"resume", resume, supervisor.Transient, resume, false},
		{"restart", restart, supervisor.Transient, restart, true},
		{"stop", stop, supervisor.Transient, stop, false},
		{"escalate", escalate, supervisor.Transient, escalate, false},
		{"permanent restart", restart, supervisor.Permanent, restart, true},
		{"temporary restart becomes stop", restart, supervisor.Temporary, stop, false},
		{"temporary resume", resume, supervisor.Temporary, resume, false},
		{"temporary escalate", escalate, supervisor.Temporary, escalate, false},
		{"zero directive escalates", 0, supervisor.Transient, escalate, false},
		{"unknown directive escalates", 5, supervisor.Transient, escalate, false},
		{"unknown directive escalates, temporary", 255, supervisor.Temporary, escalate, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := supervisor.OneForOne(
				supervisor.WithRestartType(tt.rt),
				supervisor.WithDecider(func(any) supervisor.Directive { return tt.decided }),
			)
			var h supervisor.History
			got := s.Decide(&h, supervisor.Failure{Reason: "boom"})
			if want := (supervisor.Decision{Directive: tt.want}); got != want {
				t.Errorf("Decide = %+v, want %+v", got, want)
			}
			if n := supervisor.HistoryLen(&h); (n == 1) != tt.counted {
				t.Errorf("History holds %d restarts, counted = %v", n, tt.counted)
			}
		})
	}
}

func TestDeciderSeesReason(t *testing.T) {
	var seen any
	s := supervisor.OneForOne(supervisor.WithDecider(func(reason any) supervisor.Directive {
		seen = reason
		return supervisor.Resume
	}))
	reason := struct{ code int }{42}
	s.Decide(new(supervisor.History), supervisor.Failure{Reason: reason, Stack: func() []byte { return []byte("stack") }, Message: "msg"})
	if seen != reason {
		t.Errorf("decider saw %v, want %v", seen, reason)
	}
}

func TestNilDeciderRestarts(t *testing.T) {
	s := supervisor.OneForOne(supervisor.WithDecider(nil))
	if d := s.Decide(new(supervisor.History), supervisor.Failure{Reason: "boom"}); d.Directive != supervisor.Restart {
		t.Errorf("Decide = %+v, want Restart", d)
	}
}

// A panicking decider must leave the History as it was: the runtime sees
// the parent fail, and the child's record must not claim a restart.
func TestPanickingDeciderLeavesHistory(t *testing.T) {
	s := supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { panic("bad decider") }))
	var h supervisor.History
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Decide did not pass on the decider's panic")
			}
		}()
		s.Decide(&h, supervisor.Failure{Reason: "boom"})
	}()
	if n := supervisor.HistoryLen(&h); n != 0 {
		t.Errorf("History holds %d restarts after a panicking decider, want 0", n)
	}
}

// Resume and Stop decisions neither use up the intensity nor advance the
// backoff, however many there are between two restarts.
func TestResumeAndStopDoNotCount(t *testing.T) {
	clock := newClock()
	s := supervisor.OneForOne(
		supervisor.WithMaxRestarts(2, time.Minute),
		supervisor.WithBackoff(10*ms, time.Second),
		supervisor.WithClock(clock.now),
		supervisor.WithJitter(noJitter),
		supervisor.WithDecider(func(reason any) supervisor.Directive { return reason.(supervisor.Directive) }),
	)
	var h supervisor.History
	fail := func(d supervisor.Directive) supervisor.Decision {
		return s.Decide(&h, supervisor.Failure{Reason: d})
	}
	if d := fail(supervisor.Restart); d.Delay != 0 {
		t.Fatalf("first restart: %+v", d)
	}
	for range 100 {
		clock.advance(ms)
		for _, dir := range []supervisor.Directive{supervisor.Resume, supervisor.Stop, supervisor.Escalate} {
			if d := fail(dir); d != (supervisor.Decision{Directive: dir}) {
				t.Fatalf("%v: %+v", dir, d)
			}
		}
	}
	if n, c := supervisor.HistoryLen(&h), supervisor.Consecutive(&h); n != 1 || c != 1 {
		t.Fatalf("after 300 non-restarts: %d restarts, %d in a row; want 1, 1", n, c)
	}
	if d := fail(supervisor.Restart); d != (supervisor.Decision{Directive: supervisor.Restart, Delay: 10 * ms}) {
		t.Fatalf("second restart: %+v, want Restart after 10ms", d)
	}
	if d := fail(supervisor.Restart); !d.Exceeded {
		t.Fatalf("third restart: %+v, want Exceeded", d)
	}
}

func TestRestartOnNormalExit(t *testing.T) {
	tests := []struct {
		rt   supervisor.RestartType
		want bool
	}{
		{supervisor.Permanent, true},
		{supervisor.Transient, false},
		{supervisor.Temporary, false},
	}
	for _, tt := range tests {
		if got := supervisor.OneForOne(supervisor.WithRestartType(tt.rt)).RestartOnNormalExit(); got != tt.want {
			t.Errorf("%v: RestartOnNormalExit() = %v, want %v", tt.rt, got, tt.want)
		}
	}
}

func TestDecideExit(t *testing.T) {
	never := supervisor.WithDecider(func(any) supervisor.Directive {
		panic("the decider judges failures, not normal exits")
	})
	clock := newClock()
	opts := []supervisor.Option{
		never,
		supervisor.WithMaxRestarts(2, time.Minute),
		supervisor.WithBackoff(10*ms, time.Second),
		supervisor.WithClock(clock.now),
		supervisor.WithJitter(noJitter),
	}
	t.Run("permanent is restarted, limited and delayed", func(t *testing.T) {
		s := supervisor.OneForOne(append(opts, supervisor.WithRestartType(supervisor.Permanent))...)
		var h supervisor.History
		want := []supervisor.Decision{
			{Directive: supervisor.Restart},
			{Directive: supervisor.Restart, Delay: 10 * ms},
			{Directive: supervisor.Escalate, Exceeded: true},
		}
		for i, w := range want {
			if got := s.DecideExit(&h); got != w {
				t.Errorf("exit %d: %+v, want %+v", i+1, got, w)
			}
		}
	})
	for _, rt := range []supervisor.RestartType{supervisor.Transient, supervisor.Temporary} {
		t.Run(rt.String()+" stays stopped", func(t *testing.T) {
			s := supervisor.OneForOne(append(opts, supervisor.WithRestartType(rt))...)
			var h supervisor.History
			for range 3 {
				if got := s.DecideExit(&h); got != (supervisor.Decision{Directive: supervisor.Stop}) {
					t.Errorf("DecideExit = %+v, want Stop", got)
				}
			}
			if n := supervisor.HistoryLen(&h); n != 0 {
				t.Errorf("History holds %d restarts, want 0", n)
			}
		})
	}
}
