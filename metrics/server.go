package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/remote/server"
)

// closeReasons are the reason labels of troupe_server_connections_closed_total,
// indexed by server.CloseReason; a reason added to remote later is counted
// under its own String, resolved when first seen.
var closeReasons = []server.CloseReason{server.CloseNormal, server.ClosePanic, server.CloseHandshake, server.CloseForced}

// serverMetrics is the server.Observer: it counts what happens to the
// connections of every Server it is given to. The server has no snapshot to
// read, so its two gauges move with its events: connections are added and
// taken away, which sums correctly over several servers.
type serverMetrics struct {
	accepted     prometheus.Counter
	active       prometheus.Gauge
	closed       *prometheus.CounterVec
	closedBy     []prometheus.Counter // indexed by server.CloseReason
	lifetime     prometheus.Histogram
	paused       prometheus.Gauge
	pauses       prometheus.Counter
	pausedFor    prometheus.Counter
	acceptErrors *prometheus.CounterVec
	retried      prometheus.Counter
	fatal        prometheus.Counter
}

func newServerMetrics() *serverMetrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: namespace, Subsystem: "server", Name: name, Help: help}
	}
	s := &serverMetrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts(opts("connections_accepted_total", "Connections accepted."))),
		active:   prometheus.NewGauge(prometheus.GaugeOpts(opts("connections_active", "Connections accepted and not yet closed."))),
		closed: prometheus.NewCounterVec(prometheus.CounterOpts(opts("connections_closed_total",
			"Connections closed, by reason: normal, panic, handshake, forced.")), []string{"reason"}),
		lifetime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "server", Name: "connection_duration_seconds",
			Help:    "Time from accepting a connection to closing it.",
			Buckets: []float64{0.001, 0.01, 0.1, 1, 10, 60, 600, 3600},
		}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts(opts("accept_paused",
			"Servers not accepting because every connection slot is taken (WithMaxConns); new connections wait in the kernel's backlog."))),
		pauses: prometheus.NewCounter(prometheus.CounterOpts(opts("accept_pauses_total",
			"Times accepting paused because every connection slot was taken."))),
		pausedFor: prometheus.NewCounter(prometheus.CounterOpts(opts("accept_paused_seconds_total",
			"Time accepting stayed paused, waiting for a connection slot."))),
		acceptErrors: prometheus.NewCounterVec(prometheus.CounterOpts(opts("accept_errors_total",
			"Errors accepting a connection, by reason: retried (temporary) or fatal (the server ends).")), []string{"reason"}),
	}
	for _, r := range closeReasons {
		s.closedBy = append(s.closedBy, s.closed.WithLabelValues(r.String()))
	}
	s.retried = s.acceptErrors.WithLabelValues("retried")
	s.fatal = s.acceptErrors.WithLabelValues("fatal")
	return s
}

func (s *serverMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.accepted, s.active, s.closed, s.lifetime, s.paused, s.pauses, s.pausedFor, s.acceptErrors}
}

// ConnAccepted counts a connection and adds it to the active ones.
func (s *serverMetrics) ConnAccepted(int) {
	s.accepted.Inc()
	s.active.Inc()
}

// ConnClosed counts a closed connection by reason and records its lifetime.
func (s *serverMetrics) ConnClosed(reason server.CloseReason, lifetime time.Duration, _ int) {
	if int(reason) < len(s.closedBy) {
		s.closedBy[reason].Inc()
	} else {
		s.closed.WithLabelValues(reason.String()).Inc()
	}
	s.active.Dec()
	s.lifetime.Observe(lifetime.Seconds())
}

// PoolFull marks the server paused.
func (s *serverMetrics) PoolFull(int) {
	s.pauses.Inc()
	s.paused.Inc()
}

// PoolResumed ends the pause and adds its length.
func (s *serverMetrics) PoolResumed(waited time.Duration) {
	s.paused.Dec()
	s.pausedFor.Add(waited.Seconds())
}

// AcceptError counts an accept error: retried, or fatal when retryIn is 0.
func (s *serverMetrics) AcceptError(_ error, retryIn time.Duration) {
	if retryIn > 0 {
		s.retried.Inc()
	} else {
		s.fatal.Inc()
	}
}
