package remote_test

import (
	"context"
	"fmt"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// Greet is a message both nodes register under the same name.
type Greet struct {
	Name string
	From actor.PID // answered from the other node
}

// Two nodes in one process: an actor on the first asks one on the second,
// which answers through the PID inside the message.
func ExampleStart() {
	types := remote.NewTypes()
	remote.Register[Greet](types, "example.Greet")

	alpha, beta := actor.NewSystem(), actor.NewSystem()
	na, err := remote.Start(alpha, remote.Config{Types: types})
	if err != nil {
		fmt.Println(err)
		return
	}
	nb, err := remote.Start(beta, remote.Config{Types: types})
	if err != nil {
		fmt.Println(err)
		return
	}

	beta.SpawnFunc(func(c *actor.Context) {
		if g, ok := c.Message().(Greet); ok {
			c.Send(g.From, "hello, "+g.Name)
		}
	}, actor.WithName("greeter"))

	done := make(chan string)
	alpha.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			greeter := actor.PID{Address: nb.Addr(), ID: "greeter"}
			c.Send(greeter, Greet{Name: "alpha", From: c.Self()})
		case string:
			done <- m
		}
	})
	fmt.Println(<-done)

	fmt.Println(nb.Stop(context.Background()), na.Stop(context.Background()))
	alpha.Shutdown(context.Background())
	beta.Shutdown(context.Background())
	// Output:
	// hello, alpha
	// <nil> <nil>
}
