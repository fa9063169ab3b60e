package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/troupe-go/troupe/remote/server"
)

// TestServerObserverCounts calls each ServerObserver method as a server
// would and checks that each series moves by exactly what it was told,
// including what a live server rarely does: accept errors, and a close
// reason added to remote after this package was written.
func TestServerObserverCounts(t *testing.T) {
	s := newServerMetrics()
	s.ConnAccepted(1)
	s.ConnAccepted(2)
	s.ConnClosed(server.CloseHandshake, 2*time.Second, 1)
	s.ConnClosed(server.CloseReason(200), time.Millisecond, 0)
	s.PoolFull(2)
	s.PoolResumed(1500 * time.Millisecond)
	s.AcceptError(errors.New("too many open files"), 10*time.Millisecond)
	s.AcceptError(errors.New("listener closed"), 0)

	for _, c := range []struct {
		what string
		got  float64
		want float64
	}{
		{"accepted", testutil.ToFloat64(s.accepted), 2},
		{"active", testutil.ToFloat64(s.active), 0},
		{"closed handshake", testutil.ToFloat64(s.closed.WithLabelValues("handshake")), 1},
		{"closed unknown", testutil.ToFloat64(s.closed.WithLabelValues("unknown")), 1},
		{"closed normal", testutil.ToFloat64(s.closed.WithLabelValues("normal")), 0},
		{"paused", testutil.ToFloat64(s.paused), 0},
		{"pauses", testutil.ToFloat64(s.pauses), 1},
		{"paused seconds", testutil.ToFloat64(s.pausedFor), 1.5},
		{"accept errors retried", testutil.ToFloat64(s.retried), 1},
		{"accept errors fatal", testutil.ToFloat64(s.fatal), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if n := testutil.CollectAndCount(s.closed); n != 5 {
		t.Errorf("close reasons: %d series, want 5 (4 known, 1 unknown)", n)
	}
}
