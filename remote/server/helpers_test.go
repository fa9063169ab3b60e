package server_test

import (
	"bufio"
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote/server"
)

// echo serves lines back until the client leaves or the server stops.
func echo(ctx context.Context, conn net.Conn) {
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	echoLoop(conn)
}

// startServer starts a server on a free loopback port and stops it when
// the test ends.
func startServer(t testing.TB, h server.Handler, opts ...server.Option) *server.Server {
	t.Helper()
	srv := server.New("127.0.0.1:0", h, opts...)
	if err := srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Stop(context.Background()) })
	return srv
}

// roundTrip sends line on conn and returns the line that comes back.
func roundTrip(t testing.TB, conn net.Conn, line string) string {
	t.Helper()
	conn.SetDeadline(time.Now().Add(testkit.WaitLimit))
	defer conn.SetDeadline(time.Time{})
	if _, err := conn.Write([]byte(line + "\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got[:len(got)-1]
}

// countingListener counts the calls to Accept of a real listener.
type countingListener struct {
	net.Listener
	Accepts atomic.Int32
}

func (l *countingListener) Accept() (net.Conn, error) {
	l.Accepts.Add(1)
	return l.Listener.Accept()
}

// recorder is a Observer that hands every call to the test on a
// channel.
type recorder struct {
	accepted  chan int
	closed    chan server.CloseReason
	poolFull  chan int
	resumed   chan time.Duration
	acceptErr chan time.Duration
}

func newRecorder() *recorder {
	const n = 256
	return &recorder{
		accepted:  make(chan int, n),
		closed:    make(chan server.CloseReason, n),
		poolFull:  make(chan int, n),
		resumed:   make(chan time.Duration, n),
		acceptErr: make(chan time.Duration, n),
	}
}

func (r *recorder) ConnAccepted(active int) { r.accepted <- active }
func (r *recorder) ConnClosed(reason server.CloseReason, _ time.Duration, _ int) {
	r.closed <- reason
}
func (r *recorder) PoolFull(limit int)                         { r.poolFull <- limit }
func (r *recorder) PoolResumed(waited time.Duration)           { r.resumed <- waited }
func (r *recorder) AcceptError(_ error, retryIn time.Duration) { r.acceptErr <- retryIn }

// drainReasons returns the close reasons recorded so far.
func (r *recorder) drainReasons() map[server.CloseReason]int {
	got := map[server.CloseReason]int{}
	for {
		select {
		case reason := <-r.closed:
			got[reason]++
		default:
			return got
		}
	}
}
