package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Messages of the kettle: its periodic tick, its give-up deadline, and two
// from main.
type (
	Heat   struct{}
	GiveUp struct{}
	Kick   struct{} // makes the kettle panic
	Pause  struct{} // makes the kettle's handler slow
)

// kettle heats by 25 degrees a tick and boils at 100.
type kettle struct {
	instance int
	temp     int
	started  time.Time
	giveUp   *actor.Timer
	done     chan<- struct{}
}

func (k *kettle) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case actor.Started:
		k.started = time.Now()
		fmt.Printf("kettle %d: on\n", k.instance)
		c.SendEvery(100*time.Millisecond, Heat{})
		k.giveUp = c.SendAfter(time.Second, GiveUp{})
	case Heat:
		k.temp += 25
		fmt.Printf("kettle %d: %3d°C at %v\n", k.instance, k.temp, k.since())
		switch {
		case k.temp == 50 && k.instance == 1:
			c.Send(c.Self(), Pause{})
		case k.temp == 75 && k.instance == 1:
			c.Send(c.Self(), Kick{})
		case k.temp >= 100:
			fmt.Printf("kettle %d: boiled; give-up timer stopped in time: %v\n", k.instance, k.giveUp.Stop())
			c.Stop(c.Self())
		}
	case Pause:
		fmt.Printf("kettle %d: pauses 350 ms\n", k.instance)
		time.Sleep(350 * time.Millisecond) // three ticks come due meanwhile
	case Kick:
		panic("kicked")
	case GiveUp:
		fmt.Printf("kettle %d: never boiled\n", k.instance)
	case actor.Restarting:
		fmt.Printf("kettle %d: restarting; its timers stop\n", k.instance)
	case actor.Stopped:
		close(k.done)
	}
}

// since rounds the time since Started to the tick, for a steady print.
func (k *kettle) since() time.Duration {
	return time.Since(k.started).Round(50 * time.Millisecond)
}

func main() {
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer sys.Shutdown(context.Background())
	dead := 0
	defer sys.Subscribe(func(ev actor.Event) {
		if _, ok := ev.(actor.DeadLetter); ok {
			dead++
		}
	})()

	done := make(chan struct{})
	instance := 0
	sys.Spawn(func() actor.Actor {
		instance++
		return &kettle{instance: instance, done: done}
	})
	<-done
	time.Sleep(time.Second) // well past every timer the kettles made
	fmt.Println("after the stop: dead letters", dead)
}
