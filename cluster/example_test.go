package cluster_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/remote"
)

// counter is a grain: it counts the messages its identity receives,
// wherever the cluster places it.
type counter struct{ n int }

func (c *counter) Receive(ctx *actor.Context) {
	if _, ok := ctx.Message().(string); ok {
		c.n++
		ctx.Respond(c.n)
	}
}

// Two members on loopback, each hosting the kind "counter". Whichever
// member is asked, the identity {counter, apples} lives on one of them,
// activated on first use.
func Example() {
	start := func(seeds ...string) (*cluster.Cluster, func()) {
		sys := actor.NewSystem()
		node, err := remote.Start(sys, remote.Config{AllowRemoteSpawn: true})
		if err != nil {
			log.Fatal(err)
		}
		c, err := cluster.Start(node, cluster.Config{
			Seeds:   seeds,
			Profile: cluster.Loopback,
			Kinds:   map[string]actor.Producer{"counter": func() actor.Actor { return &counter{} }},
		})
		if err != nil {
			log.Fatal(err)
		}
		return c, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c.Stop(ctx)
			node.Stop(ctx)
			sys.Shutdown(ctx)
		}
	}
	a, stopA := start()
	defer stopA()
	b, stopB := start(a.GossipAddr())
	defer stopB()

	// b's Start joined a; a learns of b as it answers, a moment later.
	for len(a.Members()) < 2 {
		time.Sleep(time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	apples := cluster.ID{Kind: "counter", Name: "apples"}
	for _, m := range []*cluster.Cluster{a, b, a} {
		n, err := m.Request(ctx, apples, "one more")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("apples:", n)
	}
	// Output:
	// apples: 1
	// apples: 2
	// apples: 3
}
