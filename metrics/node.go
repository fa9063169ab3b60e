package metrics

import (
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/remote"
)

// NodeStats is what ObserveNode reads at every scrape. *remote.Node has it.
type NodeStats interface {
	Stats() []remote.PeerStats
	HandshakeFailures() map[string]uint64
}

// ObserveNode registers a collector that reads n.Stats at every scrape:
// per peer node, whether its connection is up, the messages handed to the
// node for it and what became of them (delivered, uncertain, dropped, still
// queued, in flight), what came from it, and frames and bytes both ways. The node
// pushes nothing per message; its counters are read when Prometheus asks.
// Call it once per node; the label is the peer's address, bounded by the
// node's Config.MaxPeers, made valid UTF-8 and cut to 128 bytes.
func (m *Metrics) ObserveNode(n NodeStats) error {
	if n == nil {
		return ErrNilNode
	}
	return m.reg.Register(newNodeCollector(n))
}

// nodeCollector turns a node's PeerStats into series labelled by peer.
type nodeCollector struct {
	node       NodeStats
	descs      []peerSeries
	handshakes *prometheus.Desc
}

// peerSeries is one series and how to read it from a PeerStats.
type peerSeries struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*remote.PeerStats) float64
}

func newNodeCollector(n NodeStats) *nodeCollector {
	series := func(name string, kind prometheus.ValueType, help string, value func(*remote.PeerStats) uint64) peerSeries {
		return peerSeries{
			desc:  prometheus.NewDesc(prometheus.BuildFQName(namespace, "remote", name), help, []string{"peer"}, nil),
			kind:  kind,
			value: func(s *remote.PeerStats) float64 { return float64(value(s)) },
		}
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	return &nodeCollector{node: n, handshakes: prometheus.NewDesc(prometheus.BuildFQName(namespace, "remote", "handshake_failures_total"),
		"Handshakes that failed, inbound and outbound, by reason.", []string{"reason"}, nil), descs: []peerSeries{
		series("peer_up", gauge, "1 while a connection to the peer node is serving, else 0.",
			func(s *remote.PeerStats) uint64 { return b2u(s.Up) }),
		series("connects_total", counter, "Connections made to the peer node, dialled or accepted.",
			func(s *remote.PeerStats) uint64 { return s.Connects }),
		series("messages_sent_total", counter, "Messages handed to the node for the peer and accepted into its queue.",
			func(s *remote.PeerStats) uint64 { return s.Sent }),
		series("messages_delivered_total", counter, "Messages the peer node acknowledged having read.",
			func(s *remote.PeerStats) uint64 { return s.Delivered }),
		series("messages_uncertain_total", counter, "Messages written on a connection that ended before the peer acknowledged them: some may have arrived.",
			func(s *remote.PeerStats) uint64 { return s.Uncertain }),
		series("messages_dropped_total", counter, "Messages for the peer that will never be written: dead letters and abandoned requests.",
			func(s *remote.PeerStats) uint64 { return s.Dropped }),
		series("messages_queued", gauge, "Messages for the peer not yet written: queued or in the writer's hands.",
			func(s *remote.PeerStats) uint64 { return s.Queued }),
		series("queued_bytes", gauge, "Bytes of the messages for the peer not yet written, weighed against Config.OutboundBytes.",
			func(s *remote.PeerStats) uint64 { return s.QueuedBytes }),
		series("queue_bytes_full_total", counter, "Sends to the peer that found Config.OutboundBytes spent: refused, dropped or made to wait.",
			func(s *remote.PeerStats) uint64 { return s.QueueBytesFull }),
		series("inbound_bytes", gauge, "Payload bytes of the peer's messages in local mailboxes not yet taken by their actors, weighed against Config.InboundBytes.",
			func(s *remote.PeerStats) uint64 { return s.InboundBytes }),
		series("inbound_bytes_full_total", counter, "Times the node stopped reading from the peer because Config.InboundBytes was reached.",
			func(s *remote.PeerStats) uint64 { return s.InboundBytesFull }),
		series("messages_in_flight", gauge, "Messages written to the peer's connection and not yet acknowledged.",
			func(s *remote.PeerStats) uint64 { return s.InFlight }),
		series("messages_received_total", counter, "Messages read from the peer.",
			func(s *remote.PeerStats) uint64 { return s.Received }),
		series("messages_undecodable_total", counter, "Messages from the peer of an unregistered type or that failed to decode: dead letters.",
			func(s *remote.PeerStats) uint64 { return s.Undecodable }),
		series("watches_refused_total", counter, "Watches of local actors the peer node asked for over Config.MaxWatches, refused.",
			func(s *remote.PeerStats) uint64 { return s.WatchesRefused }),
		series("access_refused_total", counter, "Messages, watches and stops from the peer node that Config.Expose refused.",
			func(s *remote.PeerStats) uint64 { return s.AccessRefused }),
		series("late_replies_total", counter, "Replies from the peer to requests no longer waiting: dead letters.",
			func(s *remote.PeerStats) uint64 { return s.LateReplies }),
		series("frames_sent_total", counter, "Frames of every kind written to the peer.",
			func(s *remote.PeerStats) uint64 { return s.FramesSent }),
		series("frames_received_total", counter, "Frames of every kind read from the peer.",
			func(s *remote.PeerStats) uint64 { return s.FramesReceived }),
		series("sent_bytes_total", counter, "Bytes written to the peer, handshakes excluded.",
			func(s *remote.PeerStats) uint64 { return s.BytesSent }),
		series("received_bytes_total", counter, "Bytes read from the peer, handshakes excluded.",
			func(s *remote.PeerStats) uint64 { return s.BytesReceived }),
	}}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// Describe sends every series' description.
func (c *nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range c.descs {
		ch <- s.desc
	}
	ch <- c.handshakes
}

// Collect reads the node's stats once and reports every peer. A peer's
// address came from the network: it is made a valid, short label value
// (labelValue), and a series that still cannot be made is left out
// rather than failing the whole scrape.
func (c *nodeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range c.node.Stats() {
		peer := labelValue(st.Addr)
		for _, s := range c.descs {
			if m, err := prometheus.NewConstMetric(s.desc, s.kind, s.value(&st), peer); err == nil {
				ch <- m
			}
		}
	}
	for reason, n := range c.node.HandshakeFailures() {
		if m, err := prometheus.NewConstMetric(c.handshakes, prometheus.CounterValue, float64(n), labelValue(reason)); err == nil {
			ch <- m
		}
	}
}

// maxLabelValue bounds a label value that came from the network.
const maxLabelValue = 128

// labelValue makes s valid UTF-8, cut to maxLabelValue bytes at a rune's
// start: whatever a peer claims, its series stay valid and small.
func labelValue(s string) string {
	if len(s) <= maxLabelValue && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxLabelValue {
		cut := maxLabelValue
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}
