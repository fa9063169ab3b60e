package metrics_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
)

// rig is a System wired to a Metrics on a registry of its own.
type rig struct {
	reg *prometheus.Registry
	m   *metrics.Metrics
	sys *actor.System
}

// newRig builds a rig on a new registry, its System made with sopts; the
// System is shut down when the test ends.
func newRig(t testing.TB, sopts ...actor.SystemOption) *rig {
	t.Helper()
	return newRigOn(t, prometheus.NewRegistry(), nil, sopts...)
}

// newRigOn builds a rig whose Metrics, made with mopts, registers on reg.
func newRigOn(t testing.TB, reg *prometheus.Registry, mopts []metrics.Option, sopts ...actor.SystemOption) *rig {
	t.Helper()
	m, err := metrics.New(reg, mopts...)
	if err != nil {
		t.Fatal(err)
	}
	sopts = append([]actor.SystemOption{actor.WithObserver(m.Observer()), actor.WithLogger(quiet)}, sopts...)
	sys := actor.NewSystem(sopts...)
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	if err := m.Observe(sys); err != nil {
		t.Fatal(err)
	}
	return &rig{reg: reg, m: m, sys: sys}
}

// quiet discards the runtime's logs: the tests make panics on purpose.
var quiet = slog.New(slog.DiscardHandler)

// shutdown shuts the System down and waits for it: once every actor has
// stopped, every batch, stop and dead letter has been reported. (Wait
// cannot serve: it returns ErrNotFound for an actor that stopped before it
// looked, and watchers hear of a stop before the Observer does.)
func (r *rig) shutdown(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// value returns the value of the counter, gauge or untyped series name
// whose labels include want (name=value pairs), or, for a histogram, its
// sample count; it fails the test when no series or several match.
func value(t testing.TB, g prometheus.Gatherer, name string, want ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var found []*dto.Metric
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if hasLabels(m, want) {
				found = append(found, m)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d series match, want 1", name, want, len(found))
	}
	m := found[0]
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return m.GetUntyped().GetValue()
}

func hasLabels(m *dto.Metric, pairs []string) bool {
	have := make(map[string]string)
	for _, l := range m.GetLabel() {
		have[l.GetName()] = l.GetValue()
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if have[pairs[i]] != pairs[i+1] {
			return false
		}
	}
	return true
}

// blocker is an actor that signals when it begins a message and then waits
// until released: its mailbox fills while it waits.
type blocker struct {
	began   chan struct{} // one send per message begun
	release chan struct{} // closed to let every message through
}

func newBlocker() *blocker {
	return &blocker{began: make(chan struct{}, 1000), release: make(chan struct{})}
}

func (b *blocker) receive(c *actor.Context) {
	if _, ok := c.Message().(tick); ok {
		b.began <- struct{}{}
		<-b.release
	}
}

// counter returns a Receive that closes done when it has handled n ticks.
func counter(n int, done chan<- struct{}) func(*actor.Context) {
	seen := 0
	return func(c *actor.Context) {
		if _, ok := c.Message().(tick); ok {
			if seen++; seen == n {
				close(done)
			}
		}
	}
}
