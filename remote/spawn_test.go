package remote_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
)

// echoKind makes the actors of the "echo" kind.
func echoKind() actor.Actor { return actor.ReceiveFunc(echoActor) }

// spawnPair starts a node a and a node b that allows remote spawn and has
// the "echo" kind registered.
func spawnPair(t *testing.T) (a, b *testNode) {
	t.Helper()
	a = startNode(t, remote.Config{})
	b = startNode(t, remote.Config{AllowRemoteSpawn: true})
	if err := b.node.RegisterKind("echo", echoKind); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// noPending fails the test if a still waits for an answer from b.
func noPending(t *testing.T, a, b *testNode) {
	t.Helper()
	if n := remote.PendingRequests(a.node, b.node.Addr()); n != 0 {
		t.Fatalf("%d requests or spawns still pending", n)
	}
}

// A spawned actor is a remote PID like any other: it answers requests, can
// be watched and stopped, and its name, when given, is its ID.
func TestSpawnRemote(t *testing.T) {
	a, b := spawnPair(t)
	ctx := context.Background()
	pid, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo")
	if err != nil {
		t.Fatal(err)
	}
	if pid.Address != b.node.Addr() || pid.ID == "" {
		t.Fatalf("SpawnRemote = %v, want an actor of %s", pid, b.node.Addr())
	}
	if r, err := a.sys.Request(ctx, pid, Ping{N: 1}); err != nil || r != (Pong{N: 1}) {
		t.Fatalf("Request to the spawned actor = %v, %v", r, err)
	}

	named, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo", remote.WithSpawnName("worker"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if named != b.pid("worker") {
		t.Fatalf("named spawn = %v, want %v", named, b.pid("worker"))
	}
	if r, err := b.sys.Request(ctx, actor.PID{ID: "worker"}, Ping{N: 2}); err != nil || r != (Pong{N: 2}) {
		t.Fatalf("the spawned actor is not a local actor of b: %v, %v", r, err)
	}

	w := actortest.NewProbe(t, a.sys)

	w.Watch(named)
	if err := a.sys.Stop(named); err != nil {
		t.Fatal(err)
	}
	if got := w.ExpectTerminated(named); got.Reason != nil {
		t.Fatalf("Terminated = %+v, want a normal stop of %v", got, named)
	}
	noPending(t, a, b)
}

// The options a kind was registered with apply to every actor spawned of
// it, named or not, and the spawn's name comes after them.
func TestSpawnRemoteKindOptions(t *testing.T) {
	a := startNode(t, remote.Config{})
	b := startNode(t, remote.Config{AllowRemoteSpawn: true})
	started := make(chan actor.PID, 2)
	hooks := &actor.Hooks{Start: func(c *actor.Context, tag *actor.Tag) bool {
		started <- tag.PID()
		return true
	}}
	opts := []actor.Option{actor.WithKind("echo-label"), actor.WithHooks(hooks), actor.WithName("ignored")}
	if err := b.node.RegisterKind("echo", echoKind, opts...); err != nil {
		t.Fatal(err)
	}
	opts[0] = nil // the node keeps its own copy
	ctx := context.Background()
	named, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo", remote.WithSpawnName("worker"))
	if err != nil {
		t.Fatal(err)
	}
	if named != b.pid("worker") {
		t.Fatalf("named spawn = %v, want %v: the spawn's name comes last", named, b.pid("worker"))
	}
	select {
	case got := <-started:
		if got != (actor.PID{ID: "worker"}) {
			t.Fatalf("the hooks saw %v, want worker", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hooks were not called")
	}
	if pid, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo"); err != nil || pid != b.pid("ignored") {
		t.Fatalf("unnamed spawn = %v, %v, want the registered name", pid, err)
	}
	if _, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo"); !errors.Is(err, actor.ErrNameTaken) {
		t.Fatalf("second unnamed spawn = %v, want the registered name, taken", err)
	}
	if snap := b.sys.Snapshot(); snap.Kind("echo-label").Alive != 2 {
		t.Fatalf("kinds %+v, want two actors labelled echo-label", snap.Kinds)
	}
}

// Remote spawn is off by default: the other node refuses it, and its
// kinds do not matter.
func TestSpawnRemoteDisabled(t *testing.T) {
	a, b := startNode(t, remote.Config{}), startNode(t, remote.Config{})
	if err := b.node.RegisterKind("echo", echoKind); err != nil {
		t.Fatal(err)
	}
	_, err := a.node.SpawnRemote(context.Background(), b.node.Addr(), "echo")
	var re *remote.Error
	if !errors.Is(err, remote.ErrSpawnDisabled) || !errors.As(err, &re) || re.Code != wire.CodeSpawnDisabled {
		t.Fatalf("SpawnRemote to a node that does not allow it = %v, want ErrSpawnDisabled", err)
	}
	if re.Node != b.node.Addr() {
		t.Fatalf("the error names %q, want %q", re.Node, b.node.Addr())
	}
	noPending(t, a, b)
}

func TestSpawnRemoteUnknownKind(t *testing.T) {
	a, b := spawnPair(t)
	_, err := a.node.SpawnRemote(context.Background(), b.node.Addr(), "nope")
	if !errors.Is(err, remote.ErrUnknownKind) {
		t.Fatalf("SpawnRemote of an unknown kind = %v, want ErrUnknownKind", err)
	}
	noPending(t, a, b)
}

func TestSpawnRemoteNameTaken(t *testing.T) {
	a, b := spawnPair(t)
	ctx := context.Background()
	if _, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo", remote.WithSpawnName("one")); err != nil {
		t.Fatal(err)
	}
	_, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo", remote.WithSpawnName("one"))
	if !errors.Is(err, actor.ErrNameTaken) {
		t.Fatalf("second spawn under one name = %v, want actor.ErrNameTaken", err)
	}
	noPending(t, a, b)
}

// A caller that stops waiting is forgotten at once; the actor spawned for
// it after all is counted late and stopped, since no one has its PID.
func TestSpawnRemoteCancelled(t *testing.T) {
	a := startNode(t, remote.Config{})
	b := startNode(t, remote.Config{AllowRemoteSpawn: true})
	entered, release := make(chan struct{}), make(chan struct{})
	stopped := make(chan actor.PID, 1)
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // before the nodes close
	err := b.node.RegisterKind("slow", func() actor.Actor {
		entered <- struct{}{}
		<-release
		return actor.ReceiveFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Stopped); ok {
				stopped <- c.Self()
			}
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := a.node.SpawnRemote(ctx, b.node.Addr(), "slow")
		errc <- err
	}()
	testkit.Recv(t, entered, "the producer's call")
	cancel()
	if err := testkit.Recv(t, errc, "SpawnRemote's return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("SpawnRemote with its context cancelled = %v, want context.Canceled", err)
	}
	noPending(t, a, b)

	once.Do(func() { close(release) })
	testkit.Recv(t, stopped, "the orphan's stop")
	if s := statsOf(a, b.node.Addr()); s.LateReplies != 1 {
		t.Fatalf("LateReplies = %d, want 1", s.LateReplies)
	}
}

// A spawn to a node that cannot be reached fails with ErrNodeDown at once,
// not at its context's end.
func TestSpawnRemoteUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	a := startNode(t, remote.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if _, err := a.node.SpawnRemote(ctx, addr, "echo"); !errors.Is(err, remote.ErrNodeDown) {
		t.Fatalf("SpawnRemote to a closed port = %v, want ErrNodeDown", err)
	}
}

// pipePair starts a and b on a pipe network, b allowing remote spawn of
// "echo", and connects them.
func pipePair(t *testing.T) (pn pipeNet, a, b *testNode) {
	t.Helper()
	pn = newPipeNet(t)
	a = pn.node(t, "a:1", remote.Config{})
	b = pn.node(t, "b:1", remote.Config{AllowRemoteSpawn: true})
	if err := b.node.RegisterKind("echo", echoKind); err != nil {
		t.Fatal(err)
	}
	if _, err := a.node.SpawnRemote(context.Background(), "b:1", "echo", remote.WithSpawnName("echo")); err != nil {
		t.Fatal(err)
	}
	return pn, a, b
}

// A spawn whose answer does not come within its deadline returns
// DeadlineExceeded and leaves nothing pending.
func TestSpawnRemoteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn, a, b := pipePair(t)
		pn.Drop("b:1", "a:1") // a hears nothing more from b
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		_, err := a.node.SpawnRemote(ctx, "b:1", "echo")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Second {
			t.Fatalf("SpawnRemote = %v after %v, want DeadlineExceeded after 1s", err, time.Since(start))
		}
		noPending(t, a, b)
	})
}

// A spawn pending on a connection that is lost fails with ErrNodeDown when
// the node is declared down, long before its context ends.
func TestSpawnRemoteNodeDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn, a, b := pipePair(t)
		pn.Drop("b:1", "a:1")
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		start := time.Now()
		_, err := a.node.SpawnRemote(ctx, "b:1", "echo")
		if !errors.Is(err, remote.ErrNodeDown) {
			t.Fatalf("SpawnRemote to a silent node = %v, want ErrNodeDown", err)
		}
		if d := time.Since(start); d > remote.DefaultHeartbeatTimeout+remote.DefaultHeartbeatInterval {
			t.Fatalf("the spawn failed after %v, want within the heartbeat timeout", d)
		}
		noPending(t, a, b)
	})
}

// Many spawns at once each get an actor of their own.
func TestSpawnRemoteConcurrent(t *testing.T) {
	a, b := spawnPair(t)
	const n = 50
	var wg sync.WaitGroup
	pids := make(chan actor.PID, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			pid, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo")
			if err != nil {
				t.Errorf("spawn %d: %v", i, err)
				return
			}
			if r, err := a.sys.Request(ctx, pid, Ping{N: i}); err != nil || r != (Pong{N: i}) {
				t.Errorf("request %d to %v = %v, %v", i, pid, r, err)
			}
			pids <- pid
		}()
	}
	wg.Wait()
	close(pids)
	seen := map[actor.PID]bool{}
	for pid := range pids {
		if seen[pid] {
			t.Fatalf("%v spawned twice", pid)
		}
		seen[pid] = true
	}
	if len(seen) != n && !t.Failed() {
		t.Fatalf("%d actors spawned, want %d", len(seen), n)
	}
	noPending(t, a, b)
}

func TestRegisterKindMisuse(t *testing.T) {
	a := startNode(t, remote.Config{})
	if err := a.node.RegisterKind("", echoKind); !errors.Is(err, remote.ErrInvalidKind) {
		t.Errorf("RegisterKind with no name = %v, want ErrInvalidKind", err)
	}
	if err := a.node.RegisterKind("nil", nil); !errors.Is(err, actor.ErrNilProducer) {
		t.Errorf("RegisterKind with a nil producer = %v, want actor.ErrNilProducer", err)
	}
	if err := a.node.RegisterKind("echo", echoKind); err != nil {
		t.Fatal(err)
	}
	if err := a.node.RegisterKind("echo", echoKind); !errors.Is(err, remote.ErrDuplicateKind) {
		t.Errorf("RegisterKind twice = %v, want ErrDuplicateKind", err)
	}

	// Concurrent registrations: each name is taken exactly once.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- a.node.RegisterKind(fmt.Sprintf("k%d", i%20), echoKind)
		}()
	}
	wg.Wait()
	close(errs)
	ok, dup := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, remote.ErrDuplicateKind):
			dup++
		default:
			t.Errorf("concurrent RegisterKind: %v", err)
		}
	}
	if ok != 20 || dup != 20 {
		t.Errorf("concurrent RegisterKind: %d registered, %d duplicates; want 20 and 20", ok, dup)
	}
}

func TestSpawnRemoteMisuse(t *testing.T) {
	a, b := spawnPair(t)
	ctx := context.Background()
	if _, err := a.node.SpawnRemote(nil, b.node.Addr(), "echo"); !errors.Is(err, actor.ErrNilContext) { //nolint:staticcheck // testing the nil check
		t.Errorf("SpawnRemote(nil ctx) = %v, want ErrNilContext", err)
	}
	if _, err := a.node.SpawnRemote(ctx, b.node.Addr(), ""); !errors.Is(err, remote.ErrInvalidKind) {
		t.Errorf("SpawnRemote of no kind = %v, want ErrInvalidKind", err)
	}
	if _, err := a.node.SpawnRemote(ctx, a.node.Addr(), "echo"); !errors.Is(err, remote.ErrBadAddress) {
		t.Errorf("SpawnRemote on this node = %v, want ErrBadAddress", err)
	}
	if _, err := a.node.SpawnRemote(ctx, "no port", "echo"); !errors.Is(err, remote.ErrBadAddress) {
		t.Errorf("SpawnRemote to a bad address = %v, want ErrBadAddress", err)
	}
	a.node.Close()
	if _, err := a.node.SpawnRemote(ctx, b.node.Addr(), "echo"); !errors.Is(err, remote.ErrNodeStopped) {
		t.Errorf("SpawnRemote from a stopped node = %v, want ErrNodeStopped", err)
	}
}
