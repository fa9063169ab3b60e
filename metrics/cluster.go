package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/cluster"
)

// ClusterStats is what ObserveCluster reads at every scrape.
// *cluster.Cluster has it.
type ClusterStats interface {
	Stats() cluster.Stats
}

// ObserveCluster registers a collector that reads c.Stats at every scrape:
// the members of its view by state, the changes of its view, the grains
// active on it, and per kind
// of grain the activations, passivations, handoffs, refused activations,
// lookups and retries. The member counts nothing per message beyond its
// atomic counters. The kind label is bounded by cluster: past 64 kinds the
// rest count as "other".
func (m *Metrics) ObserveCluster(c ClusterStats) error {
	if c == nil {
		return ErrNilCluster
	}
	return m.reg.Register(newClusterCollector(c))
}

// memberStates are reported always, 0 when no member is in the state, so
// that a dashboard's series do not come and go.
var memberStates = []cluster.MemberState{cluster.Alive, cluster.Suspect, cluster.Dead, cluster.Left}

type clusterCollector struct {
	c       ClusterStats
	members *prometheus.Desc
	changes *prometheus.Desc
	active  *prometheus.Desc
	kinds   []kindSeries
}

// kindSeries is one per-kind counter and how to read it.
type kindSeries struct {
	desc  *prometheus.Desc
	value func(*cluster.KindStats) uint64
}

func newClusterCollector(c ClusterStats) *clusterCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "cluster", n) }
	series := func(n, help string, value func(*cluster.KindStats) uint64) kindSeries {
		return kindSeries{prometheus.NewDesc(name(n), help, []string{"kind"}, nil), value}
	}
	return &clusterCollector{
		c:       c,
		members: prometheus.NewDesc(name("members"), "Members in this member's view, itself included, by state.", []string{"state"}, nil),
		changes: prometheus.NewDesc(name("member_changes_total"), "Changes of this member's view, by the state a member changed to.", []string{"state"}, nil),
		active:  prometheus.NewDesc(name("grains_active"), "Grains active on this member.", nil, nil),
		kinds: []kindSeries{
			series("activations_total", "Grains of the kind started on this member.",
				func(s *cluster.KindStats) uint64 { return s.Activations }),
			series("passivations_total", "Grains of the kind stopped here after their idle time.",
				func(s *cluster.KindStats) uint64 { return s.Passivations }),
			series("handoffs_total", "Grains of the kind stopped here because another member owns them now, or this one left.",
				func(s *cluster.KindStats) uint64 { return s.Handoffs }),
			series("activations_refused_total", "Activations this member refused: by its view another member owned the identity, or it was stopping.",
				func(s *cluster.KindStats) uint64 { return s.Refused }),
			series("lookups_total", "Sends, requests and gets this member made to grains of the kind.",
				func(s *cluster.KindStats) uint64 { return s.Lookups }),
			series("retries_total", "Attempts to reach a grain of the kind that failed with a retryable error and were tried again.",
				func(s *cluster.KindStats) uint64 { return s.Retries }),
		},
	}
}

// Describe sends every series' description.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.members
	ch <- c.changes
	ch <- c.active
	for _, s := range c.kinds {
		ch <- s.desc
	}
}

// Collect reads the member's stats once and reports them.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.c.Stats()
	for _, state := range memberStates {
		ch <- prometheus.MustNewConstMetric(c.members, prometheus.GaugeValue, float64(st.Members[state]), state.String())
		ch <- prometheus.MustNewConstMetric(c.changes, prometheus.CounterValue, float64(st.Changes[state]), state.String())
	}
	ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(st.Active))
	for kind, k := range st.Kinds {
		for _, s := range c.kinds {
			ch <- prometheus.MustNewConstMetric(s.desc, prometheus.CounterValue, float64(s.value(&k)), kind)
		}
	}
}
