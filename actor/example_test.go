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

// A package built on actor keeps its state beside an actor in a tag, and
// decides in Start whether each instance may run.
func ExampleWithTag() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	ended := make(chan string, 1)
	hooks := &actor.Hooks{
		Start: func(c *actor.Context, t *actor.Tag) bool {
			return c.Self().ID != "forbidden"
		},
		End: func(t *actor.Tag) { ended <- t.PID().ID },
	}
	tag := actor.NewTag(hooks)
	pid, _ := sys.Spawn(func() actor.Actor { return &Ponger{} }, actor.WithName("allowed"), actor.WithTag(tag))
	r, _ := sys.Request(context.Background(), pid, Ping{N: 1})
	fmt.Println(r, tag.State.Load()&actor.TagTouched != 0)
	sys.Stop(pid)
	fmt.Println("ended:", <-ended)

	sys.Spawn(func() actor.Actor { return &Ponger{} }, actor.WithName("forbidden"), actor.WithHooks(hooks))
	fmt.Println("ended:", <-ended)
	// Output:
	// {1} true
	// ended: allowed
	// ended: forbidden
}
