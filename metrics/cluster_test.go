package metrics_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/troupe-go/troupe/metrics"
)

func TestObserveClusterNil(t *testing.T) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.ObserveCluster(nil); !errors.Is(err, metrics.ErrNilCluster) {
		t.Fatalf("ObserveCluster(nil) = %v", err)
	}
}

// TestClusterSeries: the member of exercised, alone, activated one grain.
func TestClusterSeries(t *testing.T) {
	reg := exercised(t)
	want := `
# HELP troupe_cluster_activations_total Grains of the kind started on this member.
# TYPE troupe_cluster_activations_total counter
troupe_cluster_activations_total{kind="room",node="n1"} 1
# HELP troupe_cluster_grains_active Grains active on this member.
# TYPE troupe_cluster_grains_active gauge
troupe_cluster_grains_active{node="n1"} 1
# HELP troupe_cluster_members Members in this member's view, itself included, by state.
# TYPE troupe_cluster_members gauge
troupe_cluster_members{node="n1",state="alive"} 1
troupe_cluster_members{node="n1",state="dead"} 0
troupe_cluster_members{node="n1",state="left"} 0
troupe_cluster_members{node="n1",state="suspect"} 0
# HELP troupe_cluster_member_changes_total Changes of this member's view, by the state a member changed to.
# TYPE troupe_cluster_member_changes_total counter
troupe_cluster_member_changes_total{node="n1",state="alive"} 1
troupe_cluster_member_changes_total{node="n1",state="dead"} 0
troupe_cluster_member_changes_total{node="n1",state="left"} 0
troupe_cluster_member_changes_total{node="n1",state="suspect"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"troupe_cluster_activations_total", "troupe_cluster_grains_active", "troupe_cluster_members",
		"troupe_cluster_member_changes_total"); err != nil {
		t.Fatal(err)
	}
}
