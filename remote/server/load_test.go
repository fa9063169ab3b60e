package server_test

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
)

// TestThousandConnections holds 1,000 connections open at once, each
// echoing a line, on loopback. Dials go 50 at a time so as not to overrun
// the listen backlog.
func TestThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	const n = 1000
	srv := startServer(t, echo)

	var echoed, finished sync.WaitGroup
	allOpen := make(chan struct{})
	dialSlots := make(chan struct{}, 50)
	errs := make(chan error, n)
	for i := range n {
		echoed.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			err := echoOnce(srv.Addr(), i, dialSlots, &echoed, allOpen)
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}
	echoed.Wait()
	if got := srv.Active(); got != n && len(errs) == 0 {
		t.Errorf("%d connections open on the server, want %d", got, n)
	}
	close(allOpen)
	finished.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// echoOnce dials, echoes one line, then holds the connection open until
// allOpen is closed.
func echoOnce(addr string, i int, dialSlots chan struct{}, echoed *sync.WaitGroup, allOpen chan struct{}) error {
	dialSlots <- struct{}{}
	c, err := net.DialTimeout("tcp", addr, testkit.WaitLimit)
	<-dialSlots
	if err != nil {
		echoed.Done()
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(4 * testkit.WaitLimit))
	line := fmt.Sprintf("client %d\n", i)
	_, err = c.Write([]byte(line))
	var got string
	if err == nil {
		got, err = bufio.NewReader(c).ReadString('\n')
	}
	echoed.Done()
	if err != nil {
		return err
	}
	if got != line {
		return fmt.Errorf("echo = %q, want %q", got, line)
	}
	<-allOpen
	return nil
}
