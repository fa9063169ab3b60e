package metrics_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote/server"
)

// tap forwards a Server's events to the Metrics' observer and then tells
// the test, so that it can look at a series right after the event.
type tap struct {
	server.Observer
	full, resumed chan struct{}
}

func (t tap) PoolFull(limit int) {
	t.Observer.PoolFull(limit)
	t.full <- struct{}{}
}

func (t tap) PoolResumed(waited time.Duration) {
	t.Observer.PoolResumed(waited)
	t.resumed <- struct{}{}
}

// TestServerConnections runs a real Server with a pool of one slot:
// connections are counted as accepted, active and closed by reason, and a
// second client makes accepting pause until the first leaves.
func TestServerConnections(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	obs := tap{m.ServerObserver(), make(chan struct{}, 16), make(chan struct{}, 16)}
	started := make(chan net.Conn, 4)
	srv := server.New("127.0.0.1:0", func(_ context.Context, conn net.Conn) {
		started <- conn
		var b [1]byte
		if _, err := conn.Read(b[:]); err == nil && b[0] == '!' {
			panic("asked to") // closed with reason panic
		}
		io.Copy(io.Discard, conn) // until the client leaves
	}, server.WithMaxConns(1), server.WithObserver(obs))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	dial := func() net.Conn {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first := dial()
	<-started
	<-obs.full // the only slot is taken: accepting pauses
	if got := value(t, reg, "troupe_server_accept_paused"); got != 1 {
		t.Errorf("accept paused: %v, want 1", got)
	}
	if got := value(t, reg, "troupe_server_connections_active"); got != 1 {
		t.Errorf("active: %v, want 1", got)
	}
	second := dial() // waits in the backlog
	first.Write([]byte("!"))
	<-obs.resumed // the first handler panicked and gave its slot back
	<-started
	if got := value(t, reg, "troupe_server_accept_paused_seconds_total"); got <= 0 {
		t.Errorf("paused seconds: %v, want > 0", got)
	}
	second.Write([]byte("."))
	second.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil { // returns once every close is reported
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"troupe_server_connections_accepted_total", nil, 2},
		{"troupe_server_connections_active", nil, 0},
		{"troupe_server_connections_closed_total", []string{"reason", "panic"}, 1},
		{"troupe_server_connections_closed_total", []string{"reason", "normal"}, 1},
		{"troupe_server_connections_closed_total", []string{"reason", "forced"}, 0},
		{"troupe_server_connection_duration_seconds", nil, 2},
		{"troupe_server_accept_errors_total", []string{"reason", "fatal"}, 0},
	} {
		if got := value(t, reg, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := value(t, reg, "troupe_server_accept_pauses_total"); got < 1 {
		t.Errorf("pauses: %v, want at least 1", got)
	}
}
