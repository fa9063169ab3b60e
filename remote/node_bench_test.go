package remote_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// counter is an actor that closes done once it has received want
// messages (a string is the warm-up, not one of them).
func counter(want int64, done chan<- struct{}) func(c *actor.Context) {
	var n atomic.Int64
	return func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started, actor.Stopping, actor.Stopped, string:
			return
		}
		if n.Add(1) == want {
			close(done)
		}
	}
}

// benchOneWay sends b.N small messages in all from each of senders
// goroutines on one node to its own actor on another, over loopback TCP,
// and reports messages per second, counted when the actors have them.
func benchOneWay(b *testing.B, senders int, msg any) {
	nodes := startNodes(b, 2, remote.Config{})
	a, z := nodes[0], nodes[1]
	per := b.N/senders + 1
	targets := make([]actor.PID, senders)
	dones := make([]chan struct{}, senders)
	for i := range senders {
		dones[i] = make(chan struct{})
		id := fmt.Sprint("sink", i)
		spawn(b, z.sys, id, counter(int64(per), dones[i]))
		targets[i] = z.pid(id)
		// Connect before the clock starts.
		if _, err := a.sys.Request(context.Background(), z.pid(id), "warm up"); err == nil {
			b.Fatal("the sink answered")
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if err := a.sys.Send(targets[i], msg); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, d := range dones {
		select {
		case <-d:
		case <-time.After(time.Minute):
			b.Fatalf("the messages did not all arrive: %+v", a.node.Stats())
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(per*senders)/time.Since(start).Seconds(), "msg/s")
}

// The messages are boxed once: boxing is the user's cost, not the node's.
var (
	small any = Ping{N: 1}                             // a plain struct (wire.PlainCodec)
	other any = Tagged{N: 1, Tags: []string{"a", "b"}} // not plain: msgpack's own reflection
)

// BenchmarkNodeSend1To1: one sender to one remote actor.
func BenchmarkNodeSend1To1(b *testing.B) { benchOneWay(b, 1, small) }

// BenchmarkNodeSend1To1Msgpack: as NodeSend1To1, with a message that is not
// a plain struct, so that msgpack encodes and decodes it.
func BenchmarkNodeSend1To1Msgpack(b *testing.B) { benchOneWay(b, 1, other) }

// BenchmarkNodeSend2To2: two senders, each to its own remote actor, over
// the one connection between the two nodes.
func BenchmarkNodeSend2To2(b *testing.B) { benchOneWay(b, 2, small) }

// BenchmarkNodeRequest: sequential System.Request round trips to an actor
// on another node; reports the median and the 99th percentile.
func BenchmarkNodeRequest(b *testing.B) {
	nodes := startNodes(b, 2, remote.Config{})
	a, z := nodes[0], nodes[1]
	spawn(b, z.sys, "echo", echoActor)
	pid := z.pid("echo")
	ctx := context.Background()
	var msg any = Ping{N: 1}
	if _, err := a.sys.Request(ctx, pid, msg); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := a.sys.Request(ctx, pid, msg); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}
