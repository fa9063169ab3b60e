package server_test

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"testing"
	"testing/synctest"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// idHandler reads the client's id line, reports it on entered, then holds
// the connection until the client leaves.
func idHandler(entered chan<- int) server.Handler {
	return func(ctx context.Context, conn net.Conn) {
		r := bufio.NewReader(conn)
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		id, _ := strconv.Atoi(line[:len(line)-1])
		entered <- id
		for {
			if _, err := r.ReadByte(); err != nil {
				return
			}
		}
	}
}

// TestPoolFullWaitsInBacklog checks, with exact scheduling under synctest,
// that a full pool does not even call Accept: the third client waits in
// the backlog until one of the first two leaves.
func TestPoolFullWaitsInBacklog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		entered := make(chan int, 3)
		srv := server.NewListener(ln, idHandler(entered), server.WithMaxConns(2), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer srv.Stop(context.Background())

		clients := make([]net.Conn, 3)
		for i := range clients {
			clients[i] = ln.Dial() // succeeds at once: the backlog holds it
			defer clients[i].Close()
			go clients[i].Write([]byte(strconv.Itoa(i+1) + "\n"))
		}
		synctest.Wait()
		if got := len(entered); got != 2 {
			t.Fatalf("%d handlers started with a pool of 2", got)
		}
		if got := ln.Accepts.Load(); got != 2 {
			t.Fatalf("Accept called %d times with a pool of 2; want 2, the third client left in the backlog", got)
		}
		if got := len(rec.poolFull); got != 1 {
			t.Fatalf("PoolFull reported %d times, want 1", got)
		}
		first := <-entered
		<-entered

		clients[first-1].Close()
		synctest.Wait()
		if got := <-entered; got != 3 {
			t.Fatalf("after client %d left, client %d started; want 3", first, got)
		}
		if got := ln.Accepts.Load(); got != 3 {
			t.Fatalf("Accept called %d times, want 3", got)
		}
		if len(rec.resumed) != 1 || len(rec.poolFull) != 2 {
			t.Fatalf("PoolResumed %d times and PoolFull %d times, want 1 and 2 in all", len(rec.resumed), len(rec.poolFull))
		}
	})
}

// TestPoolFullOverTCP checks the same with real sockets: the third
// client's TCP connect succeeds, but its handler starts only after one of
// the first two has ended.
func TestPoolFullOverTCP(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &countingListener{Listener: tcp}
	rec := newRecorder()
	entered := make(chan int, 3)
	srv := server.NewListener(ln, idHandler(entered), server.WithMaxConns(2), server.WithObserver(rec))
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })

	c1, c2 := testkit.Dial(t, srv.Addr()), testkit.Dial(t, srv.Addr())
	c1.Write([]byte("1\n"))
	c2.Write([]byte("2\n"))
	testkit.Recv(t, entered, "handler 1 or 2")
	testkit.Recv(t, entered, "handler 1 or 2")
	if limit := testkit.Recv(t, rec.poolFull, "PoolFull"); limit != 2 {
		t.Fatalf("PoolFull(%d), want 2", limit)
	}
	// PoolFull is reported before the loop waits for a slot, and it
	// accepts only with a slot: so far exactly two Accept calls.
	if got := ln.Accepts.Load(); got != 2 {
		t.Fatalf("Accept called %d times when the pool filled, want 2", got)
	}

	c3 := testkit.Dial(t, srv.Addr()) // the kernel completes the connect
	if _, err := c3.Write([]byte("3\n")); err != nil {
		t.Fatalf("third client cannot write into the backlog: %v", err)
	}
	if len(entered) != 0 || len(rec.accepted) != 2 {
		t.Fatal("third client was served while the pool was full")
	}

	c1.Close()
	if got := testkit.Recv(t, entered, "handler 3"); got != 3 {
		t.Fatalf("handler %d started, want 3", got)
	}
	// Handler 1's close is reported before its slot is given back.
	if len(rec.closed) != 1 {
		t.Fatalf("handler 3 started before handler 1 was reported closed")
	}
	testkit.Recv(t, rec.resumed, "PoolResumed")
}

// TestStopWhilePoolFullEndsThePause checks that every PoolFull is followed
// by a PoolResumed, even when the server stops while paused: an observer
// keeping a gauge of the pause (as package metrics does) goes back to 0.
func TestStopWhilePoolFullEndsThePause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln, rec := testkit.NewPipeListener(), newRecorder()
		entered := make(chan int, 1)
		srv := server.NewListener(ln, idHandler(entered), server.WithMaxConns(1), server.WithObserver(rec))
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		c := ln.Dial()
		defer c.Close()
		go c.Write([]byte("1\n"))
		<-entered
		synctest.Wait()
		if len(rec.poolFull) != 1 || len(rec.resumed) != 0 {
			t.Fatalf("PoolFull %d times, PoolResumed %d times; want 1 and 0 while the pool is full", len(rec.poolFull), len(rec.resumed))
		}
		// Close, not Stop: the handler still holds the only slot while
		// the server ends.
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if len(rec.resumed) != 1 {
			t.Fatalf("PoolResumed %d times after Stop, want 1", len(rec.resumed))
		}
	})
}
