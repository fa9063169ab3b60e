package server_test

import (
	"bufio"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/troupe-go/troupe/remote/server"
)

// The echo benchmarks compare the Server against the floor: a bare
// net.Listen loop with a goroutine per connection. Both serve the same
// echoLoop to benchConns clients, and b.N lines in all are shared out
// among the clients, each sending a line and waiting for its echo.
// Run them interleaved, for example:
//
//	go test -run '^$' -bench 'Echo(Server|Floor)' -benchtime 200000x -count 6 ./remote/server/

const benchConns = 64

var benchLine = []byte("the quick brown fox jumps over the lazy dog\n")

// echoLoop echoes lines until the client leaves.
func echoLoop(conn net.Conn) {
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if _, err := conn.Write(line); err != nil {
			return
		}
	}
}

func BenchmarkEchoServer(b *testing.B) {
	srv := server.New("127.0.0.1:0", func(_ context.Context, conn net.Conn) { echoLoop(conn) })
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	benchEcho(b, srv.Addr())
	if err := srv.Stop(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkEchoFloor(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var handlers sync.WaitGroup
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			handlers.Add(1)
			go func() {
				defer handlers.Done()
				echoLoop(conn)
				conn.Close()
			}()
		}
	}()
	benchEcho(b, ln.Addr().String())
	ln.Close()
	<-acceptDone
	handlers.Wait()
}

// benchEcho drives b.N line round trips over benchConns connections.
func benchEcho(b *testing.B, addr string) {
	conns := make([]net.Conn, benchConns)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	b.SetBytes(int64(len(benchLine)))
	b.ReportAllocs()
	b.ResetTimer()

	var sent atomic.Int64
	var clients sync.WaitGroup
	errs := make(chan error, benchConns)
	for _, c := range conns {
		clients.Add(1)
		go func() {
			defer clients.Done()
			r := bufio.NewReader(c)
			for sent.Add(1) <= int64(b.N) {
				if _, err := c.Write(benchLine); err != nil {
					errs <- err
					return
				}
				if _, err := r.ReadSlice('\n'); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	clients.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
