package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/remote"
)

// Deposit adds Amount to an account and is answered with a Balance.
type Deposit struct{ Amount int }

// Balance is an account's balance, and the member it lives on.
type Balance struct {
	Member string
	Amount int
}

// types lists what crosses the wire; every member registers the same names.
func types() *remote.Types {
	t := remote.NewTypes()
	remote.Register[Deposit](t, "cluster.Deposit")
	remote.Register[Balance](t, "cluster.Balance")
	return t
}

// store stands for a database: what a grain saves when it stops and loads
// when it starts again, on whichever member.
type store struct {
	mu sync.Mutex
	m  map[string]int
}

func (s *store) load(k string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[k]
}

func (s *store) save(k string, v int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = v
}

// account is the grain: cluster.IdentityOf tells it which account it is.
type account struct {
	db      *store
	out     io.Writer
	name    string
	balance int
}

func (a *account) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		id, _ := cluster.IdentityOf(c.Self())
		a.name = id.Name
		a.balance = a.db.load(a.name)
	case Deposit:
		a.balance += m.Amount
		c.Respond(Balance{Member: c.System().Address(), Amount: a.balance})
	case actor.Stopping: // passivation, handoff, or the member's stop: save here
		a.db.save(a.name, a.balance)
		fmt.Fprintf(a.out, "  %-5s on %s saves %d and stops\n", a.name, c.System().Address(), a.balance)
	}
}

// member is one member: a System, its node and its cluster membership.
type member struct {
	sys  *actor.System
	node *remote.Node
	c    *cluster.Cluster
}

func startMember(db *store, out io.Writer, seeds ...string) (*member, error) {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	node, err := remote.Start(sys, remote.Config{Types: types(), AllowRemoteSpawn: true})
	if err != nil {
		return nil, err
	}
	c, err := cluster.Start(node, cluster.Config{
		Seeds:   seeds,
		Profile: cluster.Loopback,
		Kinds:   map[string]actor.Producer{"account": func() actor.Actor { return &account{db: db, out: out} }},
	})
	if err != nil {
		node.Close()
		return nil, err
	}
	return &member{sys: sys, node: node, c: c}, nil
}

// stop leaves gracefully; close drops out as a crash would.
func (m *member) stop(ctx context.Context) {
	m.c.Stop(ctx)
	m.node.Stop(ctx)
	m.sys.Shutdown(ctx)
}

func (m *member) close() {
	m.c.Close()
	m.node.Close()
	m.sys.Shutdown(context.Background())
}

// waitAlive waits until m sees n members alive.
func waitAlive(ctx context.Context, m *member, n int) error {
	for {
		alive := 0
		for _, x := range m.c.Members() {
			if x.State == cluster.Alive {
				alive++
			}
		}
		if alive == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %d members alive, want %d: %w", m.c.Addr(), alive, n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// lockedWriter lets the grains of every member print to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func run(ctx context.Context, w io.Writer) error {
	out := &lockedWriter{w: w}
	db := &store{m: map[string]int{}}
	var ms []*member
	defer func() {
		for _, m := range ms {
			m.close()
		}
	}()
	for i := range 3 {
		var seeds []string
		if i > 0 {
			seeds = []string{ms[0].c.GossipAddr()}
		}
		m, err := startMember(db, out, seeds...)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	for _, m := range ms {
		if err := waitAlive(ctx, m, 3); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "three members: %s, %s, %s\n", ms[0].c.Addr(), ms[1].c.Addr(), ms[2].c.Addr())

	accounts := []string{"alice", "bob", "carol", "dave", "erin", "frank"}
	deposit := func(from *member, name string, amount int) error {
		r, err := from.c.Request(ctx, cluster.ID{Kind: "account", Name: name}, Deposit{Amount: amount})
		if err != nil {
			return fmt.Errorf("deposit to %s: %w", name, err)
		}
		b := r.(Balance)
		fmt.Fprintf(out, "  %-5s on %s: balance %d (asked from %s)\n", name, b.Member, b.Amount, from.c.Addr())
		return nil
	}
	fmt.Fprintln(out, "deposits from every member reach the one activation of each account:")
	for i, name := range accounts {
		for k := range 2 {
			if err := deposit(ms[(i+k)%3], name, 10); err != nil {
				return err
			}
		}
	}

	fmt.Fprintf(out, "%s leaves gracefully:\n", ms[2].c.Addr())
	ms[2].stop(ctx)
	ms = ms[:2]
	for _, m := range ms {
		if err := waitAlive(ctx, m, 2); err != nil {
			return err
		}
	}
	for _, name := range accounts {
		if err := deposit(ms[0], name, 1); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "%s is closed at once, without a goodbye; the last member finds it gone and takes its accounts:\n", ms[1].c.Addr())
	ms[1].close()
	ms = ms[:1]
	if err := waitAlive(ctx, ms[0], 1); err != nil {
		return err
	}
	for _, name := range accounts {
		if err := deposit(ms[0], name, 1); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "the last member stops:")
	return nil
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}
