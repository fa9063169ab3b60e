package actor_test

import (
	"sync"
	"testing"

	"github.com/troupe-go/troupe/actor"
)

// ping and pong carry their sender's PID, as Erlang and Akka programs do.
type (
	ping struct {
		From actor.PID
		n    int
	}
	pong struct {
		From actor.PID
		n    int
	}
)

// BenchmarkPingPongPID runs 4 pairs; each pinger sends batches of 100 pings
// carrying its PID and the ponger answers with c.Send(m.From, pong{From:
// c.Self()}). One op is one ping and its pong.
func BenchmarkPingPongPID(b *testing.B) {
	benchPingPong(b, 4, 100, func(c *actor.Context, to actor.PID, n int) {
		c.Send(to, ping{From: c.Self(), n: n})
	}, func(c *actor.Context) {
		if m, ok := c.Message().(ping); ok {
			c.Send(m.From, pong{From: c.Self(), n: m.n})
		}
	})
}

// BenchmarkPingPongRespond is BenchmarkPingPongPID with pings that carry no
// PID, answered with c.Respond.
func BenchmarkPingPongRespond(b *testing.B) {
	benchPingPong(b, 4, 100, func(c *actor.Context, to actor.PID, n int) {
		c.Send(to, tick{n})
	}, func(c *actor.Context) {
		if m, ok := c.Message().(tick); ok {
			c.Respond(pong{n: m.n})
		}
	})
}

// benchPingPong shares b.N pings among pairs of actors; each pinger sends
// them in batches with send and sends the next batch once the last one is
// answered by its ponger, whose body is answer.
func benchPingPong(b *testing.B, pairs, batch int, send func(c *actor.Context, to actor.PID, n int), answer func(c *actor.Context)) {
	sys := newBenchSystem(b)
	var wg sync.WaitGroup
	pingers := make([]actor.PID, pairs)
	for i := range pairs {
		want := b.N / pairs
		if i == 0 {
			want += b.N % pairs
		}
		ponger, err := sys.SpawnFunc(answer)
		if err != nil {
			b.Fatal(err)
		}
		sent, got := 0, 0
		burst := func(c *actor.Context) {
			for range min(batch, want-sent) {
				send(c, ponger, sent)
				sent++
			}
		}
		wg.Add(1)
		pingers[i], err = sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case tick:
				burst(c)
			case pong:
				if got++; got == want {
					wg.Done()
				} else if got == sent {
					burst(c)
				}
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if want == 0 {
			wg.Done()
		}
	}
	b.ReportAllocs()
	cpu := startCPU(b)
	for _, pid := range pingers {
		sys.Send(pid, tick{})
	}
	wg.Wait()
	cpu.stop()
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "msg/s")
}
