package metrics_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote"
)

// hostileStats is a node whose peers' addresses came from the network as
// they were sent: one not valid UTF-8, one very long.
type hostileStats struct{}

func (hostileStats) Stats() []remote.PeerStats {
	return []remote.PeerStats{
		{Addr: "\xff\xfe:1", Up: true},
		{Addr: strings.Repeat("h", 100_000) + ":1"},
		{Addr: "127.0.0.1:7001", Up: true},
	}
}

func (hostileStats) HandshakeFailures() map[string]uint64 {
	return map[string]uint64{"\xff": 1, "other": 2}
}

// TestUntrustedLabels: label values that came from the network are made
// valid UTF-8 and cut short; one bad series never fails the scrape.
func TestUntrustedLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ObserveNode(hostileStats{}); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	peers := map[string]bool{}
	for _, f := range families {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				v := l.GetValue()
				if !utf8.ValidString(v) || len(v) > 256 {
					t.Errorf("%s{%s=%.40q...} (%d bytes)", f.GetName(), l.GetName(), v, len(v))
				}
				if l.GetName() == "peer" {
					peers[v] = true
				}
			}
		}
	}
	if !peers["127.0.0.1:7001"] || len(peers) != 3 {
		t.Errorf("peers labelled %d: %v", len(peers), peers)
	}
}
