package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// echoReply is what an echo grain answers: who it is and where it lives.
type echoReply struct {
	Node  string // the owner's address
	Token string // one per activation: two answers with one token came from one activation
	N     int    // messages this activation handled
	Msg   string
}

// testTypes registers the test's messages, as every member must.
func testTypes() *remote.Types {
	types := remote.NewTypes()
	remote.Register[echoReply](types, "cluster_test.echoReply")
	remote.Register[tick](types, "cluster_test.tick")
	return types
}

// echo is the test grain: it answers each string with an echoReply and
// reports its lifecycle to the test.
type echo struct {
	token string
	n     int
	life  *lifeLog
}

func (e *echo) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		var b [8]byte
		rand.Read(b[:])
		e.token = hex.EncodeToString(b[:])
		e.life.note(c.Self(), c.System().Address(), "started")
	case actor.Stopping:
		e.life.note(c.Self(), c.System().Address(), "stopping")
	case string:
		e.n++
		e.life.delivered(c.Self())
		c.Respond(echoReply{Node: c.System().Address(), Token: e.token, N: e.n, Msg: m})
	}
}

// lifeLog records, across every member of a test, which activations are
// alive, so that a test can find duplicates.
type lifeLog struct {
	mu     sync.Mutex
	live   map[string]map[string]bool // grain name -> nodes where it is alive
	dups   int                        // starts while another copy was alive
	starts int
	msgs   map[string]int // grain name -> messages handled
}

func newLifeLog() *lifeLog {
	return &lifeLog{live: map[string]map[string]bool{}, msgs: map[string]int{}}
}

func (l *lifeLog) note(self actor.PID, node, what string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.live[self.ID]
	if at == nil {
		at = map[string]bool{}
		l.live[self.ID] = at
	}
	switch what {
	case "started":
		l.starts++
		if len(at) > 0 {
			l.dups++
		}
		at[node] = true
	case "stopping":
		delete(at, node)
	}
}

func (l *lifeLog) delivered(self actor.PID) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs[self.ID]++
}

func (l *lifeLog) duplicates() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dups
}

func (l *lifeLog) copies(id ID) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.live[actorName(id)])
}

// member is one member of a test cluster.
type member struct {
	sys  *actor.System
	node *remote.Node
	c    *Cluster
	dead []actor.DeadLetter // dead letters of this member's System
	mu   sync.Mutex
}

func (m *member) deadLetters() []actor.DeadLetter {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]actor.DeadLetter(nil), m.dead...)
}

// close stops the member at once, as a crash that closes its sockets.
func (m *member) close() {
	m.c.Close()
	m.node.Close()
	m.sys.Shutdown(context.Background())
}

func testLogger() *slog.Logger {
	if os.Getenv("TROUPE_CLUSTER_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

// startMember starts a System, a node and a member hosting echo grains
// (unless cfg.Kinds says otherwise), joined to seeds; t.Cleanup closes them.
func startMember(t testing.TB, life *lifeLog, cfg Config, seeds ...string) *member {
	t.Helper()
	return startMemberWith(t, life, remote.Config{}, cfg, seeds...)
}

// startMemberWith is startMember with a node started as nodeCfg says
// (with the test's types and remote spawn allowed).
func startMemberWith(t testing.TB, life *lifeLog, nodeCfg remote.Config, cfg Config, seeds ...string) *member {
	t.Helper()
	return startMemberSys(t, life, nil, nodeCfg, cfg, seeds...)
}

// startMemberSys is startMemberWith on a System made with sysOpts as well.
func startMemberSys(t testing.TB, life *lifeLog, sysOpts []actor.SystemOption, nodeCfg remote.Config, cfg Config, seeds ...string) *member {
	t.Helper()
	m := &member{sys: actor.NewSystem(append([]actor.SystemOption{actor.WithLogger(slog.New(slog.DiscardHandler))}, sysOpts...)...)}
	m.sys.Subscribe(func(ev actor.Event) {
		if d, ok := ev.(actor.DeadLetter); ok {
			m.mu.Lock()
			m.dead = append(m.dead, d)
			m.mu.Unlock()
		}
	})
	var err error
	nodeCfg.Types, nodeCfg.AllowRemoteSpawn = testTypes(), true
	m.node, err = remote.Start(m.sys, nodeCfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kinds == nil {
		cfg.Kinds = map[string]actor.Producer{"echo": func() actor.Actor { return &echo{life: life} }}
	}
	cfg.Profile = Loopback
	cfg.Seeds = seeds
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if m.c, err = Start(m.node, cfg); err != nil {
		m.node.Close()
		m.sys.Shutdown(context.Background())
		t.Fatal(err)
	}
	t.Cleanup(m.close)
	return m
}

// startCluster starts n members, each joined to the first, and waits until
// every one sees n alive.
func startCluster(t testing.TB, n int, life *lifeLog) []*member {
	t.Helper()
	ms := []*member{startMember(t, life, Config{})}
	for range n - 1 {
		ms = append(ms, startMember(t, life, Config{}, ms[0].c.GossipAddr()))
	}
	waitAlive(t, ms, n)
	return ms
}

// waitFor waits until cond holds in c's view, re-checking at each change
// of it, for at most limit.
func waitFor(t testing.TB, c *Cluster, limit time.Duration, what string, cond func(*snapshot) bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		ch := c.view.waitChange()
		if cond(c.view.current()) {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("%s: %s not within %v; view: %v", c.self, what, limit, c.Members())
		}
	}
}

func aliveCount(s *snapshot) int {
	n := 0
	for _, m := range s.members {
		if m.State == Alive {
			n++
		}
	}
	return n
}

// waitAlive waits until each member sees n alive.
func waitAlive(t testing.TB, ms []*member, n int) {
	t.Helper()
	for _, m := range ms {
		waitFor(t, m.c, 10*time.Second, fmt.Sprintf("%d alive", n), func(s *snapshot) bool { return aliveCount(s) == n })
	}
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func echoID(i int) ID { return ID{Kind: "echo", Name: fmt.Sprintf("e-%d", i)} }

// doubts records every change of the views of a test's members from its
// start: a member falsely suspected on a starved host (its heartbeat or a
// probe late) moves identities, by design, and only such a change may
// excuse an identity that moved or answered from two activations.
type doubts struct{ evs []*events }

func watchDoubts(ms []*member) *doubts {
	d := &doubts{}
	for _, m := range ms {
		d.evs = append(d.evs, watchEvents(m.sys))
	}
	return d
}

// of reports whether some view has doubted one of addrs: seen it in a
// state other than alive.
func (d *doubts) of(addrs ...string) bool {
	for _, e := range d.evs {
		e.mu.Lock()
		for _, ev := range e.ev {
			if ev.Member.State != Alive && slices.Contains(addrs, ev.Member.Addr) {
				e.mu.Unlock()
				return true
			}
		}
		e.mu.Unlock()
	}
	return false
}

// String lists the changes each view saw, for the log.
func (d *doubts) String() string {
	var b strings.Builder
	for i, e := range d.evs {
		e.mu.Lock()
		fmt.Fprintf(&b, "view %d:", i)
		for _, ev := range e.ev {
			fmt.Fprintf(&b, " %s %v->%v;", ev.Member.Addr, ev.Previous, ev.Member.State)
		}
		e.mu.Unlock()
		b.WriteString("\n")
	}
	return b.String()
}
