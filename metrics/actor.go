package metrics

import (
	"errors"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

// actorMetrics holds the series that the actor.Observer feeds: lifecycle
// and messages per kind, dead letters by reason. The kinds it has seen are
// kept so that the System's collector can report a kind whose actors have
// all stopped as zero rather than drop its series.
type actorMetrics struct {
	spawns   *prometheus.CounterVec
	stops    *prometheus.CounterVec
	restarts *prometheus.CounterVec
	panics   *prometheus.CounterVec
	messages *prometheus.CounterVec
	busy     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	dead     *prometheus.CounterVec
	deadBy   []prometheus.Counter // one per deadLetterReasons entry
	drops    *prometheus.CounterVec
	dropsBy  [2]prometheus.Counter // DropNewest, DropOldest

	mu    sync.Mutex
	kinds map[string]*kindObserver
}

func newActorMetrics(buckets []float64) *actorMetrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "actor", Name: name, Help: help,
		}, labels)
	}
	a := &actorMetrics{
		spawns:   counter("spawns_total", "Actors spawned.", "kind"),
		stops:    counter("stops_total", "Actors stopped for good, by reason: normal, panic, restart_limit, ignored_stop, other.", "kind", "reason"),
		restarts: counter("restarts_total", "Failed actors given a new instance by their supervisor.", "kind"),
		panics:   counter("panics_total", "Panics recovered in Receive.", "kind"),
		messages: counter("messages_total", "User messages handled.", "kind"),
		busy:     counter("busy_seconds_total", "Time spent handling user messages; its rate is the average number of busy actors.", "kind"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "actor", Name: "message_duration_seconds",
			Help:    "Mean time to handle one user message in a batch, observed once per batch.",
			Buckets: buckets,
		}, []string{"kind"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "dead_letters_total",
			Help: "Messages that did not reach their actor, by reason (see docs/guide/metrics.md).",
		}, []string{"reason"}),
		drops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "mailbox", Name: "drops_total",
			Help: "Messages a full mailbox dropped, by overflow policy: DropNewest or DropOldest.",
		}, []string{"policy"}),
		kinds: make(map[string]*kindObserver),
	}
	for _, r := range deadLetterReasons {
		a.deadBy = append(a.deadBy, a.dead.WithLabelValues(r.label))
	}
	a.dropsBy = [2]prometheus.Counter{a.drops.WithLabelValues("DropNewest"), a.drops.WithLabelValues("DropOldest")}
	return a
}

func (a *actorMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{a.spawns, a.stops, a.restarts, a.panics, a.messages, a.busy, a.duration, a.dead, a.drops}
}

// Kind resolves the children of one kind, once: the KindObserver's methods
// then touch only counters, never a label.
func (a *actorMetrics) Kind(kind string) actor.KindObserver {
	a.mu.Lock()
	defer a.mu.Unlock()
	if k := a.kinds[kind]; k != nil {
		return k // a second System on the same Metrics: shared counts
	}
	k := &kindObserver{
		spawns:   a.spawns.WithLabelValues(kind),
		restarts: a.restarts.WithLabelValues(kind),
		panics:   a.panics.WithLabelValues(kind),
		messages: a.messages.WithLabelValues(kind),
		busy:     a.busy.WithLabelValues(kind),
		duration: a.duration.WithLabelValues(kind),
	}
	for i, r := range stopReasons {
		k.stops[i] = a.stops.WithLabelValues(kind, r)
	}
	a.kinds[kind] = k
	return k
}

// DeadLetter counts d under its reason's label.
func (a *actorMetrics) DeadLetter(d actor.DeadLetter) {
	a.deadBy[deadLetterReason(d.Reason)].Inc()
	switch {
	case errors.Is(d.Reason, mailbox.ErrDroppedNewest):
		a.dropsBy[0].Inc()
	case errors.Is(d.Reason, mailbox.ErrDroppedOldest):
		a.dropsBy[1].Inc()
	}
}

// seen returns the kinds Kind was called for.
func (a *actorMetrics) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	kinds := make([]string, 0, len(a.kinds))
	for k := range a.kinds {
		kinds = append(kinds, k)
	}
	return kinds
}

// kindObserver counts the events of one kind's actors.
type kindObserver struct {
	spawns, restarts, panics, messages, busy prometheus.Counter
	stops                                    [numStopReasons]prometheus.Counter
	duration                                 prometheus.Observer
}

// ActorSpawned counts a spawn.
func (k *kindObserver) ActorSpawned() { k.spawns.Inc() }

// ActorStopped counts a stop under its reason's class.
func (k *kindObserver) ActorStopped(reason error) { k.stops[stopReason(reason)].Inc() }

// ActorPanicked counts a panic.
func (k *kindObserver) ActorPanicked(*actor.PanicError) { k.panics.Inc() }

// ActorRestarted counts a restart.
func (k *kindObserver) ActorRestarted() { k.restarts.Inc() }

// MessagesHandled counts a batch of n messages handled in d. The histogram
// has no weights, so it is given the batch's mean time per message once:
// its count is batches, and messages_total counts the messages.
func (k *kindObserver) MessagesHandled(n int, d time.Duration) {
	if n <= 0 {
		return
	}
	s := d.Seconds()
	k.messages.Add(float64(n))
	k.busy.Add(s)
	k.duration.Observe(s / float64(n))
}
