package actor_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/supervisor"
)

// timerSystem is a test System for timers: a tick is a dead letter only
// where a test says so.
func timerSystem(t *testing.T) (*actortest.System, *actortest.Probe) {
	sys := actortest.NewSystem(t)
	sys.FailOnDeadLetters()
	return sys, actortest.NewProbe(t, sys)
}

// held spawns an actor that forwards its ticks to probe, and that holds on
// a string message until release is closed (or it is stopped), so that
// ticks queue behind it.
func held(sys *actortest.System, probe *actortest.Probe, release <-chan struct{}, opts ...actor.Option) actor.PID {
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case string:
			select {
			case <-release:
			case <-c.Context().Done():
			}
		case tick:
			c.Send(probe.PID(), m)
		}
	}, opts...)
	return pid
}

// onStart spawns an actor that runs f at Started and forwards what else it
// receives to probe.
func onStart(sys *actortest.System, probe *actortest.Probe, f func(c *actor.Context)) actor.PID {
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			f(c)
		case actor.Stopping, actor.Stopped:
		default:
			c.Send(probe.PID(), c.Message())
		}
	})
	return pid
}

func TestSendAfterArrivesOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		start := time.Now()
		pid := onStart(sys, probe, func(c *actor.Context) {
			c.SendAfter(3*time.Second, tick{1})
			c.SendAfter(0, tick{0})
		})
		probe.ExpectMsg(tick{0})
		if d := time.Since(start); d != 0 {
			t.Fatalf("SendAfter(0) arrived after %v, want at once", d)
		}
		if m := probe.ExpectMsg(tick{1}); m.Sender != pid {
			t.Fatalf("sender %v, want the actor itself", m.Sender)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("SendAfter(3s) arrived after %v", d)
		}
		probe.ExpectNoMsg(time.Hour)
	})
}

func TestTimerStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		onStart(sys, probe, func(c *actor.Context) {
			once := c.SendAfter(time.Second, tick{1})
			every := c.SendEvery(time.Second, tick{2})
			c.Send(probe.PID(), []bool{once.Stop(), every.Stop(), once.Stop()})
		})
		probe.ExpectMsg([]bool{true, true, false}) // the second Stop of once: nothing left
		probe.ExpectNoMsg(time.Minute)
	})
}

// A tick already in the mailbox when its actor stops its timer is
// withdrawn: not handled, not a dead letter.
func TestTimerStopWithdrawsAQueuedTick(t *testing.T) {
	for _, every := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			sys, probe := timerSystem(t)
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
						c.Send(probe.PID(), timer.Stop())
						return
					}
					c.Send(probe.PID(), m)
				case tick:
					c.Send(probe.PID(), m)
				}
			})
			sys.Send(pid, "block")
			time.Sleep(1500 * time.Millisecond)
			synctest.Wait()
			sys.Send(pid, "after")
			close(release)
			probe.ExpectMsg(true)
			probe.ExpectMsg("after") // not the tick
			probe.ExpectNoMsg(time.Minute)
		})
	}
}

// A periodic timer ticks on schedule; behind a slow actor its ticks
// coalesce into the one that waits, and the schedule goes on.
func TestSendEveryCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		start := time.Now()
		slow := make(chan struct{})
		n := 0
		sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				c.SendEvery(time.Second, tick{1})
			case tick:
				n++
				c.Send(probe.PID(), [2]time.Duration{time.Duration(n), time.Since(start)})
				if n == 2 {
					<-slow // five periods pass meanwhile
				}
			}
		})
		probe.ExpectMsg([2]time.Duration{1, time.Second})
		probe.ExpectMsg([2]time.Duration{2, 2 * time.Second})
		time.Sleep(5*time.Second + 500*time.Millisecond)
		synctest.Wait()
		close(slow)
		// One tick waited (due at 3 s); those of 4 s to 7 s coalesced into
		// it, and the next comes on the schedule.
		probe.ExpectMsg([2]time.Duration{3, 7500 * time.Millisecond})
		probe.ExpectMsg([2]time.Duration{4, 8 * time.Second})
	})
}

// A restart stops the failed instance's timers: the new instance gets none
// of its ticks, not even one already queued.
func TestTimersStopAtRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		release := make(chan struct{})
		instance := 0
		pid, _ := sys.Spawn(func() actor.Actor {
			instance++
			me := instance
			return actor.ReceiveFunc(func(c *actor.Context) {
				switch m := c.Message().(type) {
				case actor.Started:
					c.Send(probe.PID(), me)
					if me == 1 {
						c.SendEvery(time.Second, tick{1})
						c.SendAfter(10*time.Second, tick{10})
					}
				case string:
					<-release // the first tick is queued meanwhile
					panic(m)
				case tick:
					c.Send(probe.PID(), m)
				}
			})
		})
		probe.ExpectMsg(1)
		sys.Send(pid, "boom")
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		close(release)
		probe.ExpectMsg(2)
		probe.ExpectNoMsg(time.Minute)
	})
}

// A stop ends the actor's timers, including one aimed at another actor and
// a tick already waiting in that actor's mailbox.
func TestTimersStopWithTheActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		release := make(chan struct{})
		target := held(sys, probe, release)
		sys.Send(target, "block")
		owner := onStart(sys, probe, func(c *actor.Context) {
			c.SendAfterTo(target, time.Second, tick{1})
			c.SendEvery(time.Second, tick{2})
			c.SendAfter(time.Hour, tick{3})
		})
		probe.ExpectMsg(tick{2}) // at 1 s; the tick to target waits in its mailbox
		probe.Watch(owner)
		sys.Stop(owner)
		probe.ExpectTerminated(owner)
		close(release)
		probe.ExpectNoMsg(2 * time.Hour)
	})
}

// A tick that finds the mailbox full follows its overflow policy, and is
// never lost unseen.
func TestTimerFullMailbox(t *testing.T) {
	for _, policy := range []mailbox.Overflow{mailbox.Reject, mailbox.DropNewest, mailbox.Block} {
		t.Run(policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sys := actortest.NewSystem(t)
				probe := actortest.NewProbe(t, sys)
				dead := actortest.NewProbe(t, sys)
				defer sys.Subscribe(func(ev actor.Event) {
					if d, ok := ev.(actor.DeadLetter); ok {
						sys.Send(dead.PID(), d)
					}
				})()
				release := make(chan struct{})
				target := held(sys, probe, release, actor.WithMailboxSize(1), actor.WithOverflow(policy))
				sys.Send(target, "block")
				synctest.Wait()
				sys.Send(target, "fill") // the mailbox is full now
				owner := onStart(sys, probe, func(c *actor.Context) {
					c.SendAfterTo(target, time.Second, tick{1})
				})
				time.Sleep(2 * time.Second)
				synctest.Wait()
				close(release)
				switch policy {
				case mailbox.Block:
					probe.ExpectMsg(tick{1}) // once there was room
				case mailbox.Reject:
					dead.ExpectMsg(actor.DeadLetter{Target: target, Sender: owner, Message: tick{1}, Reason: mailbox.ErrFull})
				case mailbox.DropNewest:
					dead.ExpectMsg(actor.DeadLetter{Target: target, Sender: owner, Message: tick{1}, Reason: mailbox.ErrDroppedNewest})
				}
				probe.ExpectNoMsg(time.Minute)
				dead.ExpectNoMsg(0)
			})
		})
	}
}

// A timer that cannot start says why, and does nothing.
func TestTimerBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				var none *actor.Timer
				c.Send(probe.PID(), []any{
					c.SendAfter(time.Second, nil).Err(),
					c.SendEvery(0, tick{1}).Err(),
					c.SendEvery(-time.Second, tick{1}).Err(),
					c.SendAfterTo(actor.PID{}, time.Second, tick{1}).Err(),
					none.Stop(), none.Err(),
					c.SendAfter(time.Second, tick{2}).Err(),
				})
			case actor.Stopping:
				c.Send(probe.PID(), c.SendAfter(0, tick{3}).Err())
			case tick:
				c.Send(probe.PID(), c.Message())
			}
		})
		probe.ExpectMsg([]any{actor.ErrNilMessage, actor.ErrInterval, actor.ErrInterval, actor.ErrZeroPID, false, nil, nil})
		probe.ExpectMsg(tick{2})
		sys.Stop(pid)
		probe.ExpectMsg(actor.ErrStopping) // a timer made while stopping
		probe.ExpectNoMsg(time.Minute)
	})
}

// A timer to an actor that is gone, or on a node this System cannot reach,
// makes a dead letter.
func TestTimerToAGoneActor(t *testing.T) {
	for _, gone := range []actor.PID{{ID: "gone"}, {Address: "elsewhere:1", ID: "x"}} {
		testTimerToAGoneActor(t, gone)
	}
}

func testTimerToAGoneActor(t *testing.T, gone actor.PID) {
	synctest.Test(t, func(t *testing.T) {
		sys, probe := timerSystem(t)
		var dead []actor.DeadLetter
		sys.FailOnDeadLetters(func(d actor.DeadLetter) bool {
			dead = append(dead, d)
			return true
		})
		owner := onStart(sys, probe, func(c *actor.Context) {
			c.SendAfterTo(gone, time.Second, tick{1})
		})
		time.Sleep(2 * time.Second)
		synctest.Wait()
		reason := actor.ErrNotFound
		if gone.Address != "" {
			reason = actor.ErrNoTransport
		}
		want := actor.DeadLetter{Target: gone, Sender: owner, Message: tick{1}, Reason: reason}
		if len(dead) != 1 || dead[0] != want {
			t.Fatalf("dead letters %v, want %v", dead, want)
		}
	})
}

// Real time and real races: an actor restarts again and again while its
// fast timers fire on other goroutines. No instance may see a tick of
// another, and nothing may be a dead letter.
func TestTimersRaceRestarts(t *testing.T) {
	sys := actortest.NewSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	sys.FailOnDeadLetters()
	probe := actortest.NewProbe(t, sys)
	const restarts = 200
	instance := 0
	pid, _ := sys.Spawn(func() actor.Actor {
		instance++
		me := instance
		seen := 0
		return actor.ReceiveFunc(func(c *actor.Context) {
			switch m := c.Message().(type) {
			case actor.Started:
				c.SendEvery(time.Microsecond, tick{me})
				c.SendAfter(time.Microsecond, tick{me})
				c.SendAfter(0, tick{me})
			case tick:
				if m.n != me {
					c.Send(probe.PID(), fmt.Sprintf("instance %d got a tick of instance %d", me, m.n))
				}
				if seen++; seen == 3 {
					if me == restarts {
						c.Send(probe.PID(), "done")
						return
					}
					panic("restart")
				}
			}
		})
	})
	probe.ExpectMsg("done")
	sys.Stop(pid)
}

// A resume keeps the instance, and so its timers.
func TestTimersSurviveAResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t, actor.WithGuardian(supervisor.OneForOne(
			supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Resume }))))
		probe := actortest.NewProbe(t, sys)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				c.Send(probe.PID(), "started")
				c.SendAfter(time.Second, tick{1})
			case string:
				panic("boom")
			case tick:
				c.Send(probe.PID(), c.Message())
			}
		})
		probe.ExpectMsg("started")
		sys.Send(pid, "boom")
		probe.ExpectMsg(tick{1}) // no second "started": the same instance
	})
}
