package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// EchoClient loads a line echo server with p.Conns connections for
// p.Duration: each sends a line, waits for it to come back and checks it
// is the same line, numbered, then sends the next. It counts the lines
// that came back.
func EchoClient(ctx context.Context, p Echo) (Result, error) {
	conns := make([]net.Conn, p.Conns)
	for i := range conns {
		c, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, "tcp", p.Addr)
		if err != nil {
			return Result{}, err
		}
		defer c.Close()
		conns[i] = c
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		total    int64
		disorder int64
		firstErr error
	)
	deadline := time.Now().Add(p.Duration)
	start := time.Now()
	for i, c := range conns {
		wg.Go(func() {
			n, bad, err := echoConn(c, i, deadline)
			mu.Lock()
			defer mu.Unlock()
			total += n
			disorder += bad
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("connection %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	r := Result{Count: total, Elapsed: time.Since(start), Disorder: disorder}
	return r, firstErr
}

// echoConn runs one connection until deadline and returns the lines
// echoed and those that came back different.
func echoConn(c net.Conn, id int, deadline time.Time) (n, bad int64, err error) {
	c.SetDeadline(deadline.Add(10 * time.Second))
	r := bufio.NewReader(c)
	line := make([]byte, 0, 64)
	for seq := 0; time.Now().Before(deadline); seq++ {
		line = line[:0]
		line = strconv.AppendInt(line, int64(id), 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, int64(seq), 10)
		line = append(line, " the quick brown fox jumps over the lazy dog\n"...)
		if _, err := c.Write(line); err != nil {
			return n, bad, err
		}
		got, err := r.ReadSlice('\n')
		if err != nil {
			return n, bad, err
		}
		if !bytes.Equal(got, line) {
			bad++
		}
		n++
	}
	return n, bad, nil
}

// EchoLines is the Go servers' connection handler: it sends every line
// back until the client leaves. Troupe's Server and the bare loop run the
// same handler, so what differs is the server around it.
func EchoLines(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			if _, werr := c.Write(line); werr != nil {
				return
			}
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}
