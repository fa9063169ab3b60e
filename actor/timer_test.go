package actor_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

// got is one message an actor received, and when.
type got struct {
	msg    any
	at     time.Duration // since the test began
	sender actor.PID
}

// timed is an actor that runs setup at Started and hands every user
// message to a channel with the fake time it arrived.
func timed(start time.Time, out chan<- got, setup func(c *actor.Context)) func(c *actor.Context) {
	return func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			if setup != nil {
				setup(c)
			}
		case actor.Stopping, actor.Stopped:
		default:
			out <- got{c.Message(), time.Since(start), c.Sender()}
		}
	}
}

// none fails the test if ch holds anything once every goroutine waits.
func none[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	synctest.Wait()
	select {
	case v := <-ch:
		t.Fatalf("unexpected %v", v)
	default:
	}
}

func TestSendAfterArrivesOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		start := time.Now()
		out := make(chan got, 4)
		pid, _ := sys.SpawnFunc(timed(start, out, func(c *actor.Context) {
			c.SendAfter(3*time.Second, tick{1})
			c.SendAfter(0, tick{0})
		}))
		if g := receive(t, out); g.msg != (tick{0}) || g.at != 0 {
			t.Fatalf("got %v at %v, want tick{0} at once", g.msg, g.at)
		}
		g := receive(t, out)
		if g.msg != (tick{1}) || g.at != 3*time.Second || g.sender != pid {
			t.Fatalf("got %v at %v from %v, want tick{1} at 3s from itself", g.msg, g.at, g.sender)
		}
		time.Sleep(time.Hour)
		none(t, out)
	})
}

func TestTimerStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		out := make(chan got, 4)
		stopped := make(chan bool, 2)
		pid, _ := sys.SpawnFunc(timed(time.Now(), out, func(c *actor.Context) {
			once := c.SendAfter(time.Second, tick{1})
			every := c.SendEvery(time.Second, tick{2})
			stopped <- once.Stop()
			stopped <- every.Stop()
			stopped <- once.Stop() // twice: nothing left to stop
		}))
		for i, want := range []bool{true, true, false} {
			if got := <-stopped; got != want {
				t.Fatalf("Stop %d = %v, want %v", i, got, want)
			}
		}
		time.Sleep(time.Minute)
		none(t, out)
		sys.Stop(pid)
	})
}

// A tick already in the mailbox when its actor stops its timer is
// withdrawn: not handled, not a dead letter.
func TestTimerStopWithdrawsAQueuedTick(t *testing.T) {
	for _, every := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			sys := newSystem(t)
			ev := subscribe(t, sys)
			seen := make(chan any, 8)
			release := make(chan struct{})
			var timer *actor.Timer
			pid, _ := sys.SpawnFunc(func(c *actor.Context) {
				switch m := c.Message().(type) {
				case actor.Started:
					if every {
						timer = c.SendEvery(time.Second, tick{1})
					} else {
						timer = c.SendAfter(time.Second, tick{1})
					}
				case string:
					if m == "block" {
						<-release // the tick is queued meanwhile
						seen <- timer.Stop()
						return
					}
					seen <- m
				case tick:
					seen <- m
				}
			})
			sys.Send(pid, "block")
			time.Sleep(1500 * time.Millisecond)
			synctest.Wait()
			sys.Send(pid, "after")
			close(release)
			if v := receive(t, seen); v != true {
				t.Fatalf("every=%v: Stop = %v, want true", every, v)
			}
			if v := receive(t, seen); v != "after" {
				t.Fatalf("every=%v: got %v, want the tick withdrawn and then \"after\"", every, v)
			}
			time.Sleep(time.Minute)
			none(t, seen)
			if d := ev.deadLetters(); len(d) > 0 {
				t.Fatalf("every=%v: dead letters %v", every, d)
			}
		})
	}
}

// A periodic timer ticks on schedule; behind a slow actor its ticks
// coalesce into the one that waits, and the schedule goes on.
func TestSendEveryCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		start := time.Now()
		out := make(chan got, 16)
		slow := make(chan struct{})
		n := 0
		sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				c.SendEvery(time.Second, tick{1})
			case tick:
				n++
				out <- got{msg: n, at: time.Since(start)}
				if n == 2 {
					<-slow // five periods pass meanwhile
				}
			}
		})
		for _, want := range []time.Duration{time.Second, 2 * time.Second} {
			if g := receive(t, out); g.at != want {
				t.Fatalf("tick %v at %v, want %v", g.msg, g.at, want)
			}
		}
		time.Sleep(5*time.Second + 500*time.Millisecond)
		synctest.Wait()
		close(slow)
		// One tick waited (due at 3 s); those of 4 s to 7 s coalesced into it.
		if g := receive(t, out); g.msg != 3 || g.at != 7500*time.Millisecond {
			t.Fatalf("got tick %v at %v, want tick 3 at once, at 7.5s", g.msg, g.at)
		}
		if g := receive(t, out); g.msg != 4 || g.at != 8*time.Second {
			t.Fatalf("got tick %v at %v, want tick 4 at 8s, on the schedule", g.msg, g.at)
		}
	})
}

// A restart stops the failed instance's timers: the new instance gets none
// of its ticks, not even one already queued.
func TestTimersStopAtRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		out := make(chan any, 16)
		release := make(chan struct{})
		instance := 0
		pid, _ := sys.Spawn(func() actor.Actor {
			instance++
			me := instance
			return actor.ReceiveFunc(func(c *actor.Context) {
				switch m := c.Message().(type) {
				case actor.Started:
					if me == 1 {
						c.SendEvery(time.Second, tick{1})
						c.SendAfter(10*time.Second, tick{10})
					}
				case string:
					<-release // the first tick is queued meanwhile
					panic(m)
				case tick:
					out <- [2]int{me, m.n}
				}
			})
		})
		sys.Send(pid, "boom")
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		close(release)
		time.Sleep(time.Minute)
		none(t, out)
		if instance != 2 {
			t.Fatalf("%d instances, want 2", instance)
		}
		if d := ev.deadLetters(); len(d) > 0 {
			t.Fatalf("dead letters %v", d)
		}
	})
}

// A stop ends the actor's timers, including one aimed at another actor and
// a tick already waiting in that actor's mailbox.
func TestTimersStopWithTheActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		out := make(chan any, 16)
		release := make(chan struct{})
		target, _ := sys.SpawnFunc(func(c *actor.Context) {
			switch m := c.Message().(type) {
			case string:
				<-release
			case tick:
				out <- m
			}
		})
		sys.Send(target, "block")
		owner, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				c.SendAfterTo(target, time.Second, tick{1})
				c.SendEvery(time.Second, tick{2})
				c.SendAfter(time.Hour, tick{3})
			}
		})
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait() // the tick to target waits in its mailbox
		waited := waitFor(sys, owner)
		sys.Stop(owner)
		if err := receive(t, waited); err != nil {
			t.Fatal(err)
		}
		close(release)
		time.Sleep(2 * time.Hour)
		none(t, out)
		if d := ev.deadLetters(); len(d) > 0 {
			t.Fatalf("dead letters %v", d)
		}
	})
}

// A tick that finds the mailbox full follows its overflow policy, and is
// never lost unseen.
func TestTimerFullMailbox(t *testing.T) {
	for _, policy := range []mailbox.Overflow{mailbox.Reject, mailbox.DropNewest, mailbox.Block} {
		t.Run(policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sys := newSystem(t)
				ev := subscribe(t, sys)
				out := make(chan any, 16)
				release := make(chan struct{})
				target, _ := sys.SpawnFunc(func(c *actor.Context) {
					switch m := c.Message().(type) {
					case string:
						<-release
					case tick:
						out <- m
					}
				}, actor.WithMailboxSize(1), actor.WithOverflow(policy))
				sys.Send(target, "block")
				synctest.Wait()
				sys.Send(target, "fill") // the mailbox is full now
				sys.SpawnFunc(func(c *actor.Context) {
					if _, ok := c.Message().(actor.Started); ok {
						c.SendAfterTo(target, time.Second, tick{1})
					}
				})
				time.Sleep(2 * time.Second)
				synctest.Wait()
				close(release)
				synctest.Wait()
				var dead []actor.DeadLetter
				for _, d := range ev.deadLetters() {
					if _, ok := d.Message.(tick); ok {
						dead = append(dead, d)
					}
				}
				if policy == mailbox.Block {
					if v := receive(t, out); v != (tick{1}) || len(dead) != 0 {
						t.Fatalf("got %v and dead letters %v, want the tick once there was room", v, dead)
					}
					return
				}
				none(t, out)
				want := mailbox.ErrFull
				if policy == mailbox.DropNewest {
					want = mailbox.ErrDroppedNewest
				}
				if len(dead) != 1 || dead[0].Message != (tick{1}) || !errors.Is(dead[0].Reason, want) || dead[0].Target != target {
					t.Fatalf("dead letters %v, want the tick to %v with %v", dead, target, want)
				}
			})
		})
	}
}

// A timer that cannot start says why, and does nothing.
func TestTimerBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		errs := make(chan error, 8)
		out := make(chan any, 8)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			switch m := c.Message().(type) {
			case actor.Started:
				errs <- c.SendAfter(time.Second, nil).Err()
				errs <- c.SendEvery(0, tick{1}).Err()
				errs <- c.SendEvery(-time.Second, tick{1}).Err()
				errs <- c.SendAfterTo(actor.PID{}, time.Second, tick{1}).Err()
				var none *actor.Timer
				if none.Stop() || none.Err() != nil {
					errs <- errors.New("a nil Timer did something")
				}
				ok := c.SendAfter(time.Second, tick{2})
				errs <- ok.Err()
			case actor.Stopping:
				errs <- c.SendAfter(0, tick{3}).Err()
			case tick:
				out <- m
			}
		})
		for _, want := range []error{actor.ErrNilMessage, actor.ErrInterval, actor.ErrInterval, actor.ErrZeroPID, nil} {
			if err := receive(t, errs); !errors.Is(err, want) || (want == nil && err != nil) {
				t.Fatalf("Err = %v, want %v", err, want)
			}
		}
		if v := receive(t, out); v != (tick{2}) {
			t.Fatalf("got %v, want tick{2}", v)
		}
		sys.Stop(pid)
		if err := receive(t, errs); !errors.Is(err, actor.ErrStopping) {
			t.Fatalf("a timer made while stopping: Err = %v, want ErrStopping", err)
		}
		time.Sleep(time.Minute)
		none(t, out)
	})
}

// A timer to an actor that is gone makes a dead letter.
func TestTimerToAGoneActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		gone := actor.PID{ID: "gone"}
		sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				c.SendAfterTo(gone, time.Second, tick{1})
			}
		})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		d := ev.deadLetters()
		if len(d) != 1 || d[0].Message != (tick{1}) || !errors.Is(d[0].Reason, actor.ErrNotFound) {
			t.Fatalf("dead letters %v, want the tick with ErrNotFound", d)
		}
	})
}
