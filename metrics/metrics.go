package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote/server"
)

// namespace prefixes every series of the package.
const namespace = "troupe"

// Metrics holds the series of one System (one node): what its actors do,
// what its Server's connections do, and, at scrape time, its actors and
// mailboxes. Make it with New, give Observer to actor.NewSystem and
// ServerObserver to server.New, then call Observe with the System.
// Its methods are safe for concurrent use.
type Metrics struct {
	reg    prometheus.Registerer // reg of New, wrapped with the node label
	actors *actorMetrics
	server *serverMetrics
}

// New makes the series and registers them on reg, which must not be nil;
// nothing is ever registered on prometheus.DefaultRegisterer. It returns the
// registry's error if a series is already registered there: two Metrics on
// one registry need different WithNode labels.
func New(reg prometheus.Registerer, opts ...Option) (*Metrics, error) {
	if reg == nil {
		return nil, ErrNilRegisterer
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.node != "" {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"node": cfg.node}, reg)
	}
	m := &Metrics{reg: reg, actors: newActorMetrics(cfg.buckets), server: newServerMetrics()}
	if err := register(reg, append(m.actors.collectors(), m.server.collectors()...)); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers cs on reg, all or none.
func register(reg prometheus.Registerer, cs []prometheus.Collector) error {
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return err
		}
	}
	return nil
}

// Observer returns the hooks to give to actor.WithObserver: spawns, stops,
// restarts, panics, messages and handling time per kind, dead letters by
// reason. Give it to one System.
func (m *Metrics) Observer() actor.Observer { return m.actors }

// ServerObserver returns the hooks to give to server.WithObserver. Several
// servers may share it: their connections are counted together.
func (m *Metrics) ServerObserver() server.Observer { return m.server }

// Observe registers a collector that reads sys.Snapshot at every scrape:
// actors alive and mailbox depth and capacity per kind. Call it once, for
// the System made with Observer; a second call returns the registry's
// AlreadyRegisteredError.
func (m *Metrics) Observe(sys *actor.System) error {
	if sys == nil {
		return ErrNilSystem
	}
	return m.reg.Register(newSystemCollector(sys, m.actors))
}
