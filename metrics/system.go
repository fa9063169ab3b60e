package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
)

// systemCollector reads a System's Snapshot at every scrape and reports its
// gauges: the runtime pushes none, so a System with no scrape pays nothing.
type systemCollector struct {
	sys    *actor.System
	actors *actorMetrics // kinds seen by the Observer, reported as 0 once empty

	alive, depth, depthMax, capacity *prometheus.Desc
	requests, timeouts, noReplies    *prometheus.Desc
}

func newSystemCollector(sys *actor.System, actors *actorMetrics) *systemCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, "", name), help, []string{"kind"}, nil)
	}
	return &systemCollector{
		sys:      sys,
		actors:   actors,
		alive:    desc("actors_alive", "Actors spawned and not yet stopped."),
		depth:    desc("mailbox_depth", "Messages waiting in the mailboxes of a kind's actors, summed."),
		depthMax: desc("mailbox_depth_max", "Messages waiting in the fullest mailbox of a kind."),
		capacity: desc("mailbox_capacity", "Capacity of the mailboxes of a kind's live actors, summed."),
		requests: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "requests_total"),
			"Requests made with System.Request and RequestFuture that have ended, answered or not.", nil, nil),
		timeouts: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "request_timeouts_total"),
			"Requests that ended with their deadline.", nil, nil),
		noReplies: prometheus.NewDesc(prometheus.BuildFQName(namespace, "", "request_no_replies_total"),
			"Requests that could not be answered: the target stopped, failed, dropped them or did not respond.", nil, nil),
	}
}

// Describe sends the descriptions of the gauges and request counters.
func (c *systemCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.alive
	ch <- c.depth
	ch <- c.depthMax
	ch <- c.capacity
	ch <- c.requests
	ch <- c.timeouts
	ch <- c.noReplies
}

// Collect takes one Snapshot and reports every kind in it, and every kind
// seen before that has no live actor now, as zero: a series that vanished
// would read as "no data" rather than "none alive".
func (c *systemCollector) Collect(ch chan<- prometheus.Metric) {
	snap := c.sys.Snapshot()
	live := make(map[string]bool, len(snap.Kinds))
	for _, k := range snap.Kinds {
		live[k.Kind] = true
		c.send(ch, k)
	}
	for _, kind := range c.actors.seen() {
		if !live[kind] {
			c.send(ch, actor.KindSnapshot{Kind: kind})
		}
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(c.requests, snap.Requests)
	counter(c.timeouts, snap.RequestTimeouts)
	counter(c.noReplies, snap.RequestNoReplies)
}

func (c *systemCollector) send(ch chan<- prometheus.Metric, k actor.KindSnapshot) {
	gauge := func(d *prometheus.Desc, v int) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), k.Kind)
	}
	gauge(c.alive, k.Alive)
	gauge(c.depth, k.MailboxDepth)
	gauge(c.depthMax, k.MailboxMax)
	gauge(c.capacity, k.MailboxCapacity)
}
