package cluster

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// A member in a process of its own: the test binary, run again with
// childEnv set. It prints "ready NODE GOSSIP" and then answers commands,
// one a line on stdin, with one line on stdout:
//
//	req NAME        -> "ans NAME NODE TOKEN N" or "err NAME ERROR"
//	alive           -> "alive N"
//	wait N MS       -> "ok" once N members are alive here, or "timeout"
//	grains          -> "grains N" (activations here)
//	has NAME        -> "has 1" if NAME is active here, else "has 0"
//	owner NAME      -> "owner NODE" by this member's view
//	stop            -> "stopped", then it exits
//
// Its environment: childNode and childGossip (addresses to bind, "" for
// loopback), childSeeds (comma-separated), childKey (hex: the node's
// cookie and the gossip key).
const (
	childEnv    = "TROUPE_CLUSTER_CHILD"
	childNode   = "TROUPE_CLUSTER_CHILD_NODE"
	childGossip = "TROUPE_CLUSTER_CHILD_GOSSIP"
	childSeeds  = "TROUPE_CLUSTER_CHILD_SEEDS"
	childKey    = "TROUPE_CLUSTER_CHILD_KEY"
)

func childMain() int {
	fail := func(err error) int {
		fmt.Println("fatal", err)
		return 1
	}
	key, err := hex.DecodeString(os.Getenv(childKey))
	if err != nil {
		return fail(err)
	}
	sys := actor.NewSystem(actor.WithLogger(testLogger()))
	if testLogger() == nil {
		sys = actor.NewSystem()
	}
	node, err := remote.Start(sys, remote.Config{Addr: os.Getenv(childNode), Cookie: key, Types: testTypes(), AllowRemoteSpawn: true})
	if err != nil {
		return fail(err)
	}
	var seeds []string
	if s := os.Getenv(childSeeds); s != "" {
		seeds = strings.Split(s, ",")
	}
	life := newLifeLog()
	c, err := Start(node, Config{
		Addr: os.Getenv(childGossip), Seeds: seeds, SecretKey: key, Profile: Loopback, Logger: testLogger(),
		Kinds: map[string]actor.Producer{"echo": func() actor.Actor { return &echo{life: life} }},
	})
	if err != nil {
		return fail(err)
	}
	fmt.Println("ready", node.Addr(), c.GossipAddr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "req":
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			r, err := c.Request(ctx, ID{Kind: "echo", Name: f[1]}, "x")
			cancel()
			if err != nil {
				fmt.Println("err", f[1], strings.ReplaceAll(err.Error(), "\n", " "))
			} else {
				e := r.(echoReply)
				fmt.Println("ans", f[1], e.Node, e.Token, e.N)
			}
		case "alive":
			fmt.Println("alive", aliveCount(c.view.current()))
		case "wait":
			n, _ := strconv.Atoi(f[1])
			ms, _ := strconv.Atoi(f[2])
			deadline := time.After(time.Duration(ms) * time.Millisecond)
			res := "ok"
		wait:
			for {
				ch := c.view.waitChange()
				if aliveCount(c.view.current()) == n {
					break
				}
				select {
				case <-ch:
				case <-deadline:
					res = "timeout"
					break wait
				}
			}
			fmt.Println(res)
		case "grains":
			fmt.Println("grains", c.grains.len())
		case "has":
			has := 0
			if c.localGrain(ID{Kind: "echo", Name: f[1]}) != nil {
				has = 1
			}
			fmt.Println("has", has)
		case "owner":
			fmt.Println("owner", c.view.current().ownerOf(ID{Kind: "echo", Name: f[1]}))
		case "stop":
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.Stop(ctx)
			node.Stop(ctx)
			cancel()
			fmt.Println("stopped")
			return 0
		}
	}
	c.Close()
	node.Close()
	return 0
}

// child is a member process driven by a test.
type child struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	Node   string
	Gossip string
}

// startChild starts a member process; prefix, if any, runs it (ip netns
// exec NS). t.Cleanup kills it if it still runs.
func startChild(t testing.TB, env map[string]string, prefix ...string) *child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string{}, prefix...), exe, "-test.run=^$")
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := &child{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(ch.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			ch.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
		<-done
	})
	f := strings.Fields(ch.read(20 * time.Second))
	if len(f) != 3 || f[0] != "ready" {
		t.Fatalf("child: %q", f)
	}
	ch.Node, ch.Gossip = f[1], f[2]
	return ch
}

func (c *child) read(limit time.Duration) string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatal("child exited")
		}
		return l
	case <-time.After(limit):
		c.t.Fatalf("child silent for %v", limit)
	}
	return ""
}

// do sends a command and returns the answer's fields.
func (c *child) do(cmd string, limit time.Duration) []string {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		c.t.Fatal(err)
	}
	return strings.Fields(c.read(limit))
}

// kill kills the process with SIGKILL and waits for it.
func (c *child) kill() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
}
