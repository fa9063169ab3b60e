package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/metrics"
)

// tick is the benchmark's message: a small value boxed on every send, as in
// actor's BenchmarkSend1To1.
type tick struct{ n int }

// BenchmarkSend1To1 is actor's one-way benchmark, one sender to one actor,
// without metrics and with them: the price of the Observer and its series.
// Compare the two with benchstat -col /metrics.
func BenchmarkSend1To1(b *testing.B) {
	b.Run("metrics=off", func(b *testing.B) { benchOneWay(b, false) })
	b.Run("metrics=on", func(b *testing.B) { benchOneWay(b, true) })
}

func benchOneWay(b *testing.B, observed bool) {
	var opts []actor.SystemOption
	var m *metrics.Metrics
	reg := prometheus.NewRegistry()
	if observed {
		var err error
		if m, err = metrics.New(reg); err != nil {
			b.Fatal(err)
		}
		opts = append(opts, actor.WithObserver(m.Observer()))
	}
	sys := actor.NewSystem(opts...)
	b.Cleanup(func() { sys.Shutdown(context.Background()) })
	if m != nil {
		if err := m.Observe(sys); err != nil {
			b.Fatal(err)
		}
	}
	done := make(chan struct{})
	seen := 0
	pid, err := sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(tick); ok {
			if seen++; seen == b.N {
				close(done)
			}
		}
	}, actor.WithKind("bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := sys.Send(pid, tick{i}); err != nil {
			b.Fatal(err)
		}
	}
	<-done
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	if m != nil {
		// The Observer's cost is per batch: how many messages shared one.
		sys.Shutdown(context.Background()) // the last batch is reported
		batches := value(b, reg, "troupe_actor_message_duration_seconds", "kind", "bench")
		b.ReportMetric(float64(b.N)/batches, "msg/batch")
	}
}

// BenchmarkMessagesHandled is the price of one batch's report, what the
// runtime pays per batch with metrics on, beyond its two clock readings:
// three counters and a histogram.
func BenchmarkMessagesHandled(b *testing.B) {
	m, err := metrics.New(prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	k := m.Observer().Kind("bench")
	for range b.N {
		k.MessagesHandled(16, 3*time.Microsecond)
	}
}
