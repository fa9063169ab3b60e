// Package netloop is the floor of the echo workload: a bare net.Listen
// loop with a goroutine per connection, running the same handler as
// troupe's Server. It has no actors.
package netloop

import (
	"context"
	"net"
	"runtime"
	"sync"

	"github.com/troupe-go/troupe/benchmarks/bench"
)

// Framework is the bare loop.
type Framework struct{ bench.Unsupported }

func (Framework) Name() string    { return "net" }
func (Framework) Version() string { return "net.Listen loop, " + runtime.Version() }

func (Framework) EchoServer(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var handlers sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]struct{}{}
	closed := false
	go func() {
		<-ctx.Done()
		ln.Close()
		mu.Lock()
		closed = true
		for c := range open {
			c.Close()
		}
		mu.Unlock()
	}()
	ready(ln.Addr().String())
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		mu.Lock()
		if closed {
			c.Close()
		}
		open[c] = struct{}{}
		mu.Unlock()
		handlers.Go(func() {
			defer func() {
				mu.Lock()
				delete(open, c)
				mu.Unlock()
				c.Close()
			}()
			bench.EchoLines(c)
		})
	}
	handlers.Wait()
	return nil
}
