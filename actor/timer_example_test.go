package actor_test

import (
	"context"
	"fmt"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Tick is a heartbeat's message to itself.
type Tick struct{}

// A heartbeat that beats every 10 ms and stops itself after three beats:
// its timer dies with it.
func ExampleContext_SendEvery() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	beats := 0
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			c.SendEvery(10*time.Millisecond, Tick{})
		case Tick:
			beats++
			fmt.Println("beat", beats)
			if beats == 3 {
				c.Stop(c.Self())
			}
		}
	})
	sys.Wait(context.Background(), pid)
	// Output:
	// beat 1
	// beat 2
	// beat 3
}

// Job is work handed to a worker; Done is its answer, and GiveUp the
// deadline's own message.
type (
	Job    struct{ ID int }
	Done   struct{ ID int }
	GiveUp struct{ ID int }
)

// A timeout inside an actor: the actor asks, arms a timer, and stops the
// timer when the answer comes first. Stopped by the actor itself, a timer
// never delivers, even if its message is already in the mailbox.
func ExampleContext_SendAfter() {
	sys := actor.NewSystem()
	defer sys.Shutdown(context.Background())

	worker, _ := sys.SpawnFunc(func(c *actor.Context) {
		if j, ok := c.Message().(Job); ok && j.ID != 2 { // job 2 never ends
			c.Respond(Done(j))
		}
	})
	finished := make(chan struct{})
	timers := map[int]*actor.Timer{}
	sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			for id := 1; id <= 2; id++ {
				c.Request(worker, Job{id})
				timers[id] = c.SendAfter(200*time.Millisecond, GiveUp{id})
			}
		case Done:
			if timers[m.ID].Stop() {
				fmt.Println("job", m.ID, "done")
			}
		case GiveUp: // only job 2's: job 1's timer was stopped
			fmt.Println("job", m.ID, "timed out")
			close(finished)
		}
	})
	<-finished
	// Output:
	// job 1 done
	// job 2 timed out
}
