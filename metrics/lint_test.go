package metrics_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/metrics"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
	"github.com/troupe-go/troupe/supervisor"
)

// exercised returns a registry holding everything a program registers (the
// package's series for one node, with a Server, and the Go and process
// collectors) after a little of everything has happened: messages, a panic
// and restart, drops, a dead letter, a connection.
func exercised(t testing.TB) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	restart := supervisor.OneForOne(supervisor.WithBackoff(time.Millisecond, time.Millisecond))
	r := newRigOn(t, reg, []metrics.Option{metrics.WithNode("n1")}, actor.WithGuardian(restart))

	// A handler that panics once, then answers.
	pid, err := r.sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "boom":
			panic("boom")
		case "ping":
			c.Respond("pong")
		}
	}, actor.WithKind("worker"))
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Send(pid, "boom")
	if _, err := r.sys.Request(context.Background(), pid, "ping"); err != nil {
		t.Fatal(err)
	}
	// A full DropNewest mailbox.
	b := newBlocker()
	t.Cleanup(func() { close(b.release) })
	lossy, err := r.sys.SpawnFunc(b.receive, actor.WithKind("lossy"), actor.WithMailboxSize(2), actor.WithOverflow(mailbox.DropNewest))
	if err != nil {
		t.Fatal(err)
	}
	r.sys.Send(lossy, tick{})
	<-b.began
	for i := range 4 {
		r.sys.Send(lossy, tick{i})
	}
	r.sys.Send(actor.PID{ID: "nobody"}, tick{})

	// One connection, accepted and closed.
	done := make(chan struct{})
	srv := server.New("127.0.0.1:0", func(context.Context, net.Conn) { close(done) },
		server.WithObserver(r.m.ServerObserver()))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	<-done
	if err := srv.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A node that has sent a request to another and had its answer.
	node, err := remote.Start(r.sys, remote.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	if err := r.m.ObserveNode(node); err != nil {
		t.Fatal(err)
	}
	other := actor.NewSystem(actor.WithLogger(quiet))
	t.Cleanup(func() { other.Shutdown(context.Background()) })
	otherNode, err := remote.Start(other, remote.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otherNode.Close() })
	other.SpawnFunc(func(c *actor.Context) { c.Respond(c.Message()) }, actor.WithName("echo"))
	if _, err := r.sys.Request(context.Background(), actor.PID{Address: otherNode.Addr(), ID: "echo"}, "hi"); err != nil {
		t.Fatal(err)
	}

	// A cluster member that has activated a grain.
	member, err := cluster.Start(node, cluster.Config{Profile: cluster.Loopback,
		Kinds: map[string]actor.Producer{"room": func() actor.Actor {
			return actor.ReceiveFunc(func(c *actor.Context) { c.Respond(c.Message()) })
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { member.Close() })
	if err := r.m.ObserveCluster(member); err != nil {
		t.Fatal(err)
	}
	if _, err := member.Request(context.Background(), cluster.ID{Kind: "room", Name: "lobby"}, "hi"); err != nil {
		t.Fatal(err)
	}
	return reg
}

// TestLint: Prometheus's own linter finds nothing to say about the series.
func TestLint(t *testing.T) {
	reg := exercised(t)
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n == 0 {
		t.Fatalf("gathered %d series, err %v", n, err)
	}
}
