package actortest_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/remote"
)

// lineEcho is a TCP server on loopback that echoes lines and hands each
// line it reads to got; it stops when the test ends.
func lineEcho(t *testing.T) (addr string, got <-chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					lines <- strings.TrimSpace(line)
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String(), lines
}

// client is one connection through a proxy.
type client struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialProxy(t *testing.T, p *actortest.Proxy) *client {
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(actortest.DefaultTimeout))
	return &client{t: t, conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) expect(want string) {
	c.t.Helper()
	line, err := c.r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != want {
		c.t.Fatalf("read %q, %v; want %q", line, err, want)
	}
}

func (c *client) expectClosed() {
	c.t.Helper()
	if line, err := c.r.ReadString('\n'); err == nil {
		c.t.Fatalf("read %q from a connection that should be closed", line)
	}
}

// swallowed waits until the proxy has dropped n bytes in all: a fault
// acts when the pump reads, which may come after the write returned.
func swallowed(t *testing.T, p *actortest.Proxy, n int64) {
	t.Helper()
	deadline := time.Now().Add(actortest.DefaultTimeout)
	for p.Dropped() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes dropped, want %d", p.Dropped(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// expectRefused checks that a connection through p is reset, at the dial
// or at the first read.
func expectRefused(t *testing.T, p *actortest.Proxy) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		return // reset before the connect returned
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(actortest.DefaultTimeout))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read from a connection the proxy should have reset")
	}
}

func recvLine(t *testing.T, got <-chan string, want string) {
	t.Helper()
	select {
	case line := <-got:
		if line != want {
			t.Fatalf("the server read %q, want %q", line, want)
		}
	case <-time.After(actortest.DefaultTimeout):
		t.Fatalf("the server read nothing, want %q", want)
	}
}

// linked starts an echo server, a proxy in front of it, and a client whose
// first line has been through both ways.
func linked(t *testing.T) (*actortest.Proxy, *client, <-chan string) {
	t.Helper()
	addr, got := lineEcho(t)
	p := actortest.NewProxy(t, addr)
	c := dialProxy(t, p)
	c.send("first")
	c.expect("first")
	recvLine(t, got, "first")
	return p, c, got
}

func TestProxyForwardsAndCuts(t *testing.T) {
	p, c, _ := linked(t)
	p.WaitLinks(1)
	if n := p.Cut(); n != 1 {
		t.Fatalf("Cut = %d, want 1 link", n)
	}
	c.expectClosed()
	c = dialProxy(t, p) // new connections go through as before
	c.send("again")
	c.expect("again")
	if p.Links() != 2 {
		t.Fatalf("Links = %d, want 2", p.Links())
	}
}

// A blackhole swallows both ways and leaves the link open: what is sent
// after Heal arrives, what was sent before never does.
func TestProxyBlackhole(t *testing.T) {
	p, c, got := linked(t)
	p.Blackhole()
	c.send("lost")
	swallowed(t, p, int64(len("lost\n")))
	p.Heal()
	c.send("after")
	recvLine(t, got, "after") // not "lost"
	c.expect("after")
}

// Drop is one way: toward the server, the line never reaches it; back, the
// server reads it but the echo is lost.
func TestProxyDropOneWay(t *testing.T) {
	p, c, got := linked(t)
	p.Drop(actortest.ToTarget)
	c.send("lost")
	swallowed(t, p, int64(len("lost\n")))
	p.Heal()
	c.send("one")
	recvLine(t, got, "one")
	c.expect("one")

	p.Drop(actortest.FromTarget)
	c.send("unanswered")
	recvLine(t, got, "unanswered") // it arrived; its echo is dropped
	swallowed(t, p, int64(len("lost\n")+len("unanswered\n")))
	p.Heal()
	c.send("two")
	c.expect("two")
}

// Stall holds what goes one way without losing it: it arrives after Heal.
func TestProxyStall(t *testing.T) {
	p, c, got := linked(t)
	p.Stall(actortest.ToTarget)
	c.send("held")
	select {
	case line := <-got:
		t.Fatalf("the server read %q through a stalled proxy", line)
	case <-time.After(50 * time.Millisecond): // cannot prove a wait; can catch a leak
	}
	p.Heal()
	recvLine(t, got, "held")
	c.expect("held")
}

// Delay holds each chunk back, both ways.
func TestProxyDelay(t *testing.T) {
	p, c, _ := linked(t)
	p.Delay(30 * time.Millisecond)
	start := time.Now()
	c.send("slow")
	c.expect("slow")
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("round trip in %v, want at least 60ms (30ms each way)", d)
	}
}

// A partition resets the links and new connections until Heal.
func TestProxyPartition(t *testing.T) {
	p, c, _ := linked(t)
	p.Partition()
	c.expectClosed()
	expectRefused(t, p)
	p.Heal()
	c = dialProxy(t, p)
	c.send("back")
	c.expect("back")
}

// Proxies sends a dial through the proxy in front of its address, and
// other dials straight on.
func TestProxiesDial(t *testing.T) {
	addr, _ := lineEcho(t)
	other, _ := lineEcho(t)
	var ps actortest.Proxies
	p := ps.Front(t, addr)
	for _, a := range []string{addr, other} {
		conn, err := ps.Dial(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		c := &client{t: t, conn: conn, r: bufio.NewReader(conn)}
		c.send("x")
		c.expect("x")
		conn.Close()
	}
	if p.Links() != 1 {
		t.Fatalf("%d links through the proxy, want 1 (the other dial goes straight)", p.Links())
	}
}

// A proxy whose target does not answer resets what it accepts.
func TestProxyTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nobody listens there now
	p := actortest.NewProxy(t, addr)
	expectRefused(t, p)
	if p.Links() != 0 {
		t.Fatalf("Links = %d", p.Links())
	}
}

// Two nodes over real TCP, b behind a proxy: a cut breaks the connection,
// the next message connects again; a blackhole is found by heartbeats.
func TestNodesThroughAProxy(t *testing.T) {
	types := remote.NewTypes()
	remote.Register[Ping](types, "actortest.Ping")
	cfg := remote.Config{Types: types, HeartbeatInterval: 20 * time.Millisecond, HeartbeatTimeout: 100 * time.Millisecond}
	var proxies actortest.Proxies
	cfg.Dial = proxies.Dial
	sysA, sysB := actortest.NewSystem(t), actortest.NewSystem(t)
	a, err := remote.Start(sysA.System, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err := remote.Start(sysB.System, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	pb := proxies.Front(t, b.Addr())
	probe := actortest.NewProbe(t, sysB, actor.WithName("probe"))
	to := actor.PID{Address: b.Addr(), ID: "probe"}
	down := make(chan struct{}, 4)
	defer sysA.Subscribe(func(ev actor.Event) {
		if _, ok := ev.(actor.NodeDown); ok {
			down <- struct{}{}
		}
	})()

	sysA.Send(to, Ping{1})
	probe.ExpectMsg(Ping{1})
	pb.Cut()
	select { // a sees the reset: a message sent before could be lost
	case <-down:
	case <-time.After(actortest.DefaultTimeout):
		t.Fatal("no NodeDown after the cut")
	}
	sysA.Send(to, Ping{2}) // a dials again
	probe.ExpectMsg(Ping{2})
	if pb.Links() != 2 {
		t.Fatalf("%d links through the proxy, want 2", pb.Links())
	}

	watcher := actortest.NewProbe(t, sysA)
	watcher.Watch(to)
	pb.Blackhole()
	if term := watcher.ExpectTerminated(to); !errors.Is(term.Reason, remote.ErrNodeDown) {
		t.Fatalf("Terminated %+v, want the node down", term)
	}
}
