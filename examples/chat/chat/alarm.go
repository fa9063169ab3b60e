package chat

import (
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// alarm makes an actor send itself a message later, once, from a timer:
// how an actor wakes up after a while without a goroutine of its own. At
// most one alarm is pending; setting it while pending does nothing.
//
// The timer's goroutine touches only armed; everything else belongs to the
// actor. If the actor's mailbox is full when the timer fires, the message
// is not sent and the alarm disarms, so that the next set arms it again.
type alarm struct {
	armed atomic.Bool
	timer *time.Timer
}

// set arms the alarm to send msg to the actor of c after d.
func (a *alarm) set(c *actor.Context, d time.Duration, msg any) {
	if !a.armed.CompareAndSwap(false, true) {
		return
	}
	sys, self := c.System(), c.Self()
	a.timer = time.AfterFunc(d, func() {
		if sys.TrySend(self, msg) != nil {
			a.armed.Store(false)
		}
	})
}

// rang is called by the actor when it handles the alarm's message.
func (a *alarm) rang() { a.armed.Store(false) }

// stop cancels a pending alarm, when the actor stops.
func (a *alarm) stop() {
	if a.timer != nil {
		a.timer.Stop()
	}
	// Left armed on purpose: a stopped actor sets no more alarms.
	a.armed.Store(true)
}
