package actor_test

import (
	"context"
	"fmt"

	"github.com/troupe-go/troupe/actor"
)

// Ping asks a Ponger for a Pong.
type Ping struct{ N int }

// Pong answers a Ping.
type Pong struct{ N int }

// Ponger answers every Ping and counts them.
type Ponger struct{ seen int }

func (p *Ponger) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case Ping:
		p.seen++
		c.Respond(Pong(m))
	}
}

func Example() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	pid, err := sys.Spawn(func() actor.Actor { return &Ponger{} }, actor.WithName("ponger"))
	if err != nil {
		panic(err)
	}
	reply, err := sys.Request(context.Background(), pid, Ping{N: 1})
	fmt.Println(reply, err)
	// Output: {1} <nil>
}
