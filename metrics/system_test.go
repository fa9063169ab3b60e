package metrics_test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
)

// TestTwoNodesOneRegistry: two Systems with their own Metrics, told apart
// by the node label, register on one registry and count separately.
func TestTwoNodesOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newRigOn(t, reg, []metrics.Option{metrics.WithNode("a")})
	b := newRigOn(t, reg, []metrics.Option{metrics.WithNode("b")})
	for i, r := range []*rig{a, b} {
		for range i + 1 { // one actor on a, two on b
			if _, err := r.sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("w")); err != nil {
				t.Fatal(err)
			}
		}
		r.sys.Send(actor.PID{ID: "nobody"}, tick{})
	}
	for node, want := range map[string]float64{"a": 1, "b": 2} {
		if got := value(t, reg, "troupe_actors_alive", "node", node, "kind", "w"); got != want {
			t.Errorf("alive on %s: %v, want %v", node, got, want)
		}
		if got := value(t, reg, "troupe_actor_spawns_total", "node", node, "kind", "w"); got != want {
			t.Errorf("spawns on %s: %v, want %v", node, got, want)
		}
		if got := value(t, reg, "troupe_dead_letters_total", "node", node, "reason", "not_found"); got != 1 {
			t.Errorf("dead letters on %s: %v, want 1", node, got)
		}
	}
}

// TestRegistrationErrors: the registry's own errors come back, and a
// failed New leaves nothing registered behind it.
func TestRegistrationErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	var already prometheus.AlreadyRegisteredError
	if _, err := metrics.New(reg); !errors.As(err, &already) {
		t.Errorf("a second Metrics without a node label: %v, want an AlreadyRegisteredError", err)
	}
	sys := actor.NewSystem(actor.WithObserver(m.Observer()))
	t.Cleanup(func() { sys.Shutdown(t.Context()) })
	if err := m.Observe(sys); err != nil {
		t.Fatal(err)
	}
	if err := m.Observe(sys); !errors.As(err, &already) {
		t.Errorf("Observe twice: %v, want an AlreadyRegisteredError", err)
	}
	if err := m.Observe(nil); !errors.Is(err, metrics.ErrNilSystem) {
		t.Errorf("Observe(nil): %v, want ErrNilSystem", err)
	}
	if _, err := metrics.New(nil); !errors.Is(err, metrics.ErrNilRegisterer) {
		t.Errorf("New(nil): %v, want ErrNilRegisterer", err)
	}
	if _, err := metrics.New(prometheus.NewRegistry(), metrics.WithBuckets([]float64{1, 1})); err == nil {
		t.Error("WithBuckets(1, 1): no error")
	}

	// A node label that clashes in name with the first Metrics' series
	// (no node label there) fails, and unregisters what it had registered.
	fresh := prometheus.NewRegistry()
	if _, err := metrics.New(fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.New(fresh, metrics.WithNode("x")); err == nil {
		t.Fatal("a node-labelled Metrics beside an unlabelled one: no error")
	}
	mfs, err := fresh.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if hasLabels(m, []string{"node", "x"}) {
				t.Errorf("%s{node=x} left registered by a failed New", mf.GetName())
			}
		}
	}
}
