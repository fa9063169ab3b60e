package remote_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// Config.Expose decides what other nodes may do to this node's actors:
// here they may ask "public" but not "private", and stop neither.
func ExampleConfig_expose() {
	quiet := actor.WithLogger(slog.New(slog.DiscardHandler)) // the refusal is a dead letter, logged
	server, client := actor.NewSystem(quiet), actor.NewSystem()
	ns, err := remote.Start(server, remote.Config{
		Expose: func(id string, a remote.Access) bool {
			return id == "public" && a != remote.AccessStop
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	nc, err := remote.Start(client, remote.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	echo := func(c *actor.Context) {
		if s, ok := c.Message().(string); ok {
			c.Respond("echo: " + s)
		}
	}
	server.SpawnFunc(echo, actor.WithName("public"))
	server.SpawnFunc(echo, actor.WithName("private"))

	ctx := context.Background()
	r, err := client.Request(ctx, actor.PID{Address: ns.Addr(), ID: "public"}, "hi")
	fmt.Println(r, err)
	_, err = client.Request(ctx, actor.PID{Address: ns.Addr(), ID: "private"}, "hi")
	fmt.Println(errors.Is(err, actor.ErrNoReply))

	fmt.Println(nc.Stop(ctx), ns.Stop(ctx))
	client.Shutdown(ctx)
	server.Shutdown(ctx)
	// Output:
	// echo: hi <nil>
	// true
	// <nil> <nil>
}
