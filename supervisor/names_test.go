package supervisor_test

import (
	"fmt"
	"testing"

	"github.com/troupe-go/troupe/supervisor"
)

func TestStringers(t *testing.T) {
	tests := []struct {
		v    fmt.Stringer
		want string
	}{
		{supervisor.Resume, "resume"},
		{supervisor.Restart, "restart"},
		{supervisor.Stop, "stop"},
		{supervisor.Escalate, "escalate"},
		{supervisor.Directive(0), "Directive(0)"},
		{supervisor.Directive(5), "Directive(5)"},
		{supervisor.Permanent, "permanent"},
		{supervisor.Transient, "transient"},
		{supervisor.Temporary, "temporary"},
		{supervisor.RestartType(3), "RestartType(3)"},
		{supervisor.KindOneForOne, "one_for_one"},
		{supervisor.KindAllForOne, "all_for_one"},
		{supervisor.KindRestForOne, "rest_for_one"},
		{supervisor.Kind(3), "Kind(3)"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%T(%d).String() = %q, want %q", tt.v, tt.v, got, tt.want)
		}
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name string
		s    *supervisor.Strategy
		kind supervisor.Kind
		rt   supervisor.RestartType
	}{
		{"Default", supervisor.Default(), supervisor.KindOneForOne, supervisor.Transient},
		{"OneForOne", supervisor.OneForOne(), supervisor.KindOneForOne, supervisor.Transient},
		{"AllForOne", supervisor.AllForOne(), supervisor.KindAllForOne, supervisor.Transient},
		{"RestForOne", supervisor.RestForOne(), supervisor.KindRestForOne, supervisor.Transient},
		{"Permanent", supervisor.AllForOne(supervisor.WithRestartType(supervisor.Permanent)), supervisor.KindAllForOne, supervisor.Permanent},
		{"Temporary", supervisor.RestForOne(supervisor.WithRestartType(supervisor.Temporary)), supervisor.KindRestForOne, supervisor.Temporary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Kind(); got != tt.kind {
				t.Errorf("Kind() = %v, want %v", got, tt.kind)
			}
			if got := tt.s.RestartType(); got != tt.rt {
				t.Errorf("RestartType() = %v, want %v", got, tt.rt)
			}
		})
	}
}

// The defaults are a promise made in doc.go and on Default.
func TestDefaultValues(t *testing.T) {
	n, window, lo, hi := supervisor.Limits(supervisor.Default())
	if n != 10 || window != 10e9 || lo != 10e6 || hi != 1e9 {
		t.Errorf("Default() = %d restarts in %v, backoff %v..%v; want 10 in 10s, 10ms..1s", n, window, lo, hi)
	}
	d := supervisor.Default().Decide(new(supervisor.History), supervisor.Failure{Reason: "boom"})
	if d != (supervisor.Decision{Directive: supervisor.Restart}) {
		t.Errorf("Default() first failure = %+v, want an immediate restart", d)
	}
}
