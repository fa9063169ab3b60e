package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/server"
)

// Ping asks a ponger for a Pong, sent back to From: a PID that crosses the
// network inside the message and still names the pinger on the other side.
type Ping struct {
	From actor.PID
	N    int
	Sent time.Time
}

// Pong answers a Ping.
type Pong struct {
	Node string // the answering node
	N    int
	Sent time.Time
}

// types lists what crosses the wire; every node registers the same names.
func types() *remote.Types {
	t := remote.NewTypes()
	remote.Register[Ping](t, "multinode.Ping")
	remote.Register[Pong](t, "multinode.Pong")
	return t
}

// ponger answers Pings to their From, and Requests to their caller.
func ponger(node string) func(c *actor.Context) {
	return func(c *actor.Context) {
		if m, ok := c.Message().(Ping); ok {
			pong := Pong{Node: node, N: m.N, Sent: m.Sent}
			if m.From.IsZero() {
				c.Respond(pong) // a Request: the answer goes back to the caller
				return
			}
			c.Send(m.From, pong)
		}
	}
}

// node is one actor system joined to the network.
type node struct {
	name string
	sys  *actor.System
	net  *remote.Node
	stop *server.Event // Set stops the node; the System goes on
}

func startNode(name, addr string, cookie []byte) (*node, error) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	n, err := remote.Start(sys, remote.Config{Addr: addr, Cookie: cookie, Types: types()})
	if err != nil {
		return nil, err
	}
	if _, err := sys.SpawnFunc(ponger(name), actor.WithName("ponger")); err != nil {
		return nil, err
	}
	stop := server.NewEvent()
	n.StopOn(stop)
	return &node{name: name, sys: sys, net: n, stop: stop}, nil
}

// pongerOf names the ponger of the node at addr.
func pongerOf(addr string) actor.PID { return actor.PID{Address: addr, ID: "ponger"} }

// addTarget gives a pinger one more ponger to ping and watch.
type addTarget struct{ pid actor.PID }

// pinger sends one Ping to each target when told "go", and prints the Pongs
// that come back; it watches each target and prints its Terminated.
func pinger(name string, targets []actor.PID, out chan<- string) func(c *actor.Context) {
	n := 0
	return func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			for _, t := range targets {
				c.Watch(t)
			}
		case addTarget:
			targets = append(targets, m.pid)
			c.Watch(m.pid)
		case string: // "go"
			n++
			for _, t := range targets {
				if err := c.Send(t, Ping{From: c.Self(), N: n, Sent: time.Now()}); err != nil {
					out <- fmt.Sprintf("%s: ping %d to %s failed: %v", name, n, t.Address, err)
				}
			}
		case Pong:
			// A watch ends with its Terminated: a ponger whose node was down
			// (or not up yet) is watched again once it answers.
			c.Watch(c.Sender())
			out <- fmt.Sprintf("%s: pong %d from %s in %v", name, m.N, m.Node, time.Since(m.Sent).Round(time.Microsecond))
		case actor.Terminated:
			why := "it stopped"
			if errors.Is(m.Reason, remote.ErrNodeDown) {
				why = "its node went down"
			}
			out <- fmt.Sprintf("%s: watcher told %s is gone: %s (%v)", name, m.PID, why, m.Reason)
		}
	}
}

func main() {
	listen := flag.String("listen", "", "run one node on this address (host:port) instead of the three-node story")
	name := flag.String("name", "", "with -listen: the node's name in what it prints (default: the address)")
	var peers peerList
	flag.Var(&peers, "peer", "with -listen: another node's address (repeat the flag)")
	cookie := flag.String("cookie", "", "the secret every node shares (required beyond loopback)")
	flag.Parse()
	var err error
	if *listen != "" {
		err = runOne(cmp.Or(*name, *listen), *listen, peers, []byte(*cookie))
	} else {
		err = story([]byte(*cookie))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "multinode:", err)
		os.Exit(1)
	}
}

// story runs three nodes in this process and tells what happens.
func story(cookie []byte) error {
	var nodes []*node
	for _, name := range []string{"A", "B", "C"} {
		n, err := startNode(name, "127.0.0.1:0", cookie)
		if err != nil {
			return err
		}
		defer n.sys.Shutdown(context.Background())
		defer n.net.Close()
		nodes = append(nodes, n)
		fmt.Printf("node %s listening on %s\n", name, n.net.Addr())
	}
	out := make(chan string, 64)
	pingers := make([]actor.PID, len(nodes))
	for i, n := range nodes {
		var targets []actor.PID
		for j, other := range nodes {
			if j != i {
				targets = append(targets, pongerOf(other.net.Addr()))
			}
		}
		pid, err := n.sys.SpawnFunc(pinger(n.name, targets, out))
		if err != nil {
			return err
		}
		pingers[i] = pid
	}

	fmt.Println("\n1. every node pings the ponger of every other; each Pong goes back to the PID inside the Ping")
	for i, n := range nodes {
		n.sys.Send(pingers[i], "go")
	}
	if err := expect(out, 6); err != nil {
		return err
	}

	fmt.Println("\n2. a request from outside any actor, from A to B's ponger")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reply, err := nodes[0].sys.Request(ctx, pongerOf(nodes[1].net.Addr()), Ping{N: 1, Sent: time.Now()})
	if err != nil {
		return err
	}
	fmt.Printf("A: request answered by %s in %v\n", reply.(Pong).Node, time.Since(reply.(Pong).Sent).Round(time.Microsecond))

	fmt.Println("\n3. node C is stopped by its Event; A and B watch C's ponger (and C's own watchers lose A and B)")
	nodes[2].stop.Set()
	<-nodes[2].net.Done()
	cGone := "is gone: its node went down"
	if err := expectAll(out, "A: watcher told ponger@"+nodes[2].net.Addr()+" "+cGone,
		"B: watcher told ponger@"+nodes[2].net.Addr()+" "+cGone); err != nil {
		return err
	}
	fmt.Println("   C's System is still running:", nodes[2].sys.Send(actor.PID{ID: "ponger"}, Ping{}) == nil)

	fmt.Println("\n4. A and B go on")
	for i := range 2 {
		nodes[i].sys.Send(pingers[i], "go")
	}
	// Each pings the other and C, whose node is gone: the pings to C
	// become dead letters. Wait for the two pongs.
	if err := expectAll(out, "A: pong 2 from B", "B: pong 2 from A"); err != nil {
		return err
	}
	return killed(nodes[:2], pingers[:2], out, cookie)
}

// killed starts node D in a process of its own (this program, run with
// -listen), has A and B ping it, then kills it with SIGKILL: no goodbye on
// the wire, only the sockets the kernel closes. A's and B's watchers are
// told at once; had the host vanished instead, the heartbeat timeout
// would tell them.
func killed(nodes []*node, pingers []actor.PID, out <-chan string, cookie []byte) error {
	fmt.Println("\n5. node D runs in a process of its own; A and B ping it, then it is killed (SIGKILL)")
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.Command(exe, "-listen", "127.0.0.1:0", "-name", "D", "-cookie", string(cookie))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		return errors.New("node D said nothing")
	}
	// "node D listening on 127.0.0.1:PORT; Ctrl-C stops it"
	addr := strings.TrimSuffix(strings.Fields(lines.Text())[4], ";")
	go io.Copy(io.Discard, stdout)
	fmt.Printf("node D listening on %s, process %d\n", addr, cmd.Process.Pid)
	for i, n := range nodes {
		n.sys.Send(pingers[i], addTarget{pongerOf(addr)})
		n.sys.Send(pingers[i], "go")
	}
	if err := expectAll(out, "A: pong 3 from D", "B: pong 3 from D"); err != nil {
		return err
	}
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	fmt.Println("   node D killed")
	dGone := "is gone: its node went down"
	return expectAll(out, "A: watcher told ponger@"+addr+" "+dGone, "B: watcher told ponger@"+addr+" "+dGone)
}

// runOne runs one node until Ctrl-C or SIGTERM stops it.
func runOne(name, addr string, peers []string, cookie []byte) error {
	n, err := startNode(name, addr, cookie)
	if err != nil {
		return err
	}
	undo := server.SetOnSignal(n.stop, os.Interrupt, syscall.SIGTERM)
	defer undo()
	fmt.Printf("node %s listening on %s; Ctrl-C stops it\n", name, n.net.Addr())
	var targets []actor.PID
	for _, p := range peers {
		targets = append(targets, pongerOf(p))
	}
	out := make(chan string, 64)
	pid, err := n.sys.SpawnFunc(pinger(name, targets, out))
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			n.sys.Send(pid, "go")
		case line := <-out:
			fmt.Println(line)
		case <-n.net.Done():
			fmt.Println("node stopped; shutting the System down")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return n.sys.Shutdown(ctx)
		}
	}
}

// expect prints the next n lines, or fails after a while.
func expect(out <-chan string, n int) error {
	deadline := time.After(10 * time.Second)
	for ; n > 0; n-- {
		select {
		case line := <-out:
			fmt.Println(line)
		case <-deadline:
			return errors.New("the story stalled: an expected line did not come")
		}
	}
	return nil
}

// expectAll prints lines until each of wants has begun one of them, or
// fails after a while.
func expectAll(out <-chan string, wants ...string) error {
	deadline := time.After(10 * time.Second)
	for len(wants) > 0 {
		select {
		case line := <-out:
			fmt.Println(line)
			for i, w := range wants {
				if strings.HasPrefix(line, w) {
					wants = append(wants[:i], wants[i+1:]...)
					break
				}
			}
		case <-deadline:
			return fmt.Errorf("the story stalled: no line began with %q", wants[0])
		}
	}
	return nil
}

// peerList collects the -peer flags.
type peerList []string

func (p *peerList) String() string     { return strings.Join(*p, ",") }
func (p *peerList) Set(v string) error { *p = append(*p, v); return nil }
