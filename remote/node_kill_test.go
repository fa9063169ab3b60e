package remote_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// helperNodeEnv, set in the environment of the test binary, makes it run
// a node instead of the tests (see TestMain): a process a test can kill.
const helperNodeEnv = "TROUPE_TEST_HELPER_NODE"

// killConfig is the config of both sides of the kill tests: a short
// heartbeat timeout, so that silence is noticed quickly.
var killConfig = remote.Config{
	HeartbeatInterval: 100 * time.Millisecond,
	HeartbeatTimeout:  500 * time.Millisecond,
	ReconnectMin:      10 * time.Millisecond,
	ReconnectMax:      100 * time.Millisecond,
}

// runHelperNode starts a node with an echo actor, prints its address on
// stdout, and waits to be killed.
func runHelperNode() {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	cfg := killConfig
	cfg.Types = testTypes()
	node, err := remote.Start(sys, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper node:", err)
		os.Exit(2)
	}
	if _, err := sys.SpawnFunc(echoActor, actor.WithName("echo")); err != nil {
		fmt.Fprintln(os.Stderr, "helper node:", err)
		os.Exit(2)
	}
	fmt.Println(node.Addr())
	select {}
}

// startHelperNode runs the test binary as a helper node and returns the
// process and the node's address. The process is killed when the test
// ends, if it is not already.
func startHelperNode(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperNodeEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	addr := testkit.Recv(t, line, "the helper node's address")
	if addr == "" {
		t.Fatal("the helper node printed no address")
	}
	return cmd, addr
}

// A node killed with SIGKILL is noticed: every watcher of its actors gets
// Terminated with ErrNodeDown within HeartbeatTimeout + 1 s, whether the
// kernel closes its sockets (the same host) or nothing more is heard from
// it (a host gone: here the proxy swallows even the closing).
func TestNodeKilled(t *testing.T) {
	for _, silent := range []bool{false, true} {
		t.Run(map[bool]string{false: "sockets closed", true: "host silent"}[silent], func(t *testing.T) {
			cmd, addr := startHelperNode(t)
			pn := newProxyNet()
			a, _ := pn.node(t, killConfig)
			p := pn.proxy(t, addr)
			echo := actor.PID{Address: addr, ID: "echo"}
			if r, err := a.sys.Request(context.Background(), echo, Ping{N: 1}); err != nil || r != (Pong{N: 1}) {
				t.Fatalf("Request to the helper node = %v, %v", r, err)
			}
			w := actortest.NewProbe(t, a.sys)
			w.Watch(echo)
			if silent {
				p.Blackhole()
			}
			start := time.Now()
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			m := actortest.ExpectMsgType[actor.Terminated](w)
			took := time.Since(start)
			if m.PID != echo || !errors.Is(m.Reason, remote.ErrNodeDown) {
				t.Fatalf("Terminated = %+v, want %v with ErrNodeDown", m, echo)
			}
			if limit := killConfig.HeartbeatTimeout + time.Second; took > limit {
				t.Fatalf("Terminated after %v, over %v", took, limit)
			}
			t.Logf("Terminated after %v: %v", took, m.Reason)
		})
	}
}
