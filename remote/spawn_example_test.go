package remote_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// Shout is the request of the example's "shout" kind.
type Shout struct{ Text string }

// One node lets other nodes spawn its "shout" actors; another spawns one
// and asks it something.
func ExampleNode_SpawnRemote() {
	types := remote.NewTypes()
	remote.Register[Shout](types, "example.Shout")

	serving, asking := actor.NewSystem(), actor.NewSystem()
	ns, err := remote.Start(serving, remote.Config{Types: types, AllowRemoteSpawn: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	na, err := remote.Start(asking, remote.Config{Types: types})
	if err != nil {
		fmt.Println(err)
		return
	}
	ns.RegisterKind("shout", func() actor.Actor {
		return actor.ReceiveFunc(func(c *actor.Context) {
			if m, ok := c.Message().(Shout); ok {
				c.Respond(fmt.Sprintf("%s!", m.Text))
			}
		})
	})

	ctx := context.Background()
	pid, err := na.SpawnRemote(ctx, ns.Addr(), "shout", remote.WithSpawnName("shouter"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pid.ID, pid.Address == ns.Addr())
	answer, err := asking.Request(ctx, pid, Shout{Text: "hello"})
	fmt.Println(answer, err)

	_, err = na.SpawnRemote(ctx, ns.Addr(), "whisper")
	fmt.Println(errors.Is(err, remote.ErrUnknownKind))

	na.Close()
	ns.Close()
	asking.Shutdown(ctx)
	serving.Shutdown(ctx)
	// Output:
	// shouter true
	// hello! <nil>
	// true
}
