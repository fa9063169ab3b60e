package metrics_test

import (
	"context"
	"testing"

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
	if observed {
		var err error
		if m, err = metrics.New(prometheus.NewRegistry()); err != nil {
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
	})
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
}
