package chat

import (
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Defaults of UserConfig.
const (
	DefaultQueue = 256
	DefaultRate  = 5.0
	DefaultBurst = 10
	DefaultIdle  = time.Minute
)

// UserConfig configures the user actors of a gateway. Its zero value works;
// every field says what zero means.
type UserConfig struct {
	// Queue is how many events a user holds for its client before it drops
	// the oldest. Zero means DefaultQueue.
	Queue int

	// Rate is how many posts a second a user may make on average, and Burst
	// how many at once: a token bucket. Zero means DefaultRate and
	// DefaultBurst.
	Rate  float64
	Burst int

	// Idle is how long a user with no client reading its events lives on.
	// Zero means DefaultIdle.
	Idle time.Duration
}

func (cfg UserConfig) withDefaults() UserConfig {
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultBurst
	}
	if cfg.Idle <= 0 {
		cfg.Idle = DefaultIdle
	}
	return cfg
}

// NewUser returns the producer of the user actor of the person called name,
// on the person's own node. The actor fills inbox with what its rooms send
// it, watches the rooms it has joined (Track) so that its client hears when
// one goes away, and keeps the person's rate limit. With no client attached
// for cfg.Idle it stops, which unsubscribes it from its rooms (they watch
// it); then it closes inbox and calls onStop, if not nil.
//
// As for rooms, the state is made once here and shared by every instance
// the producer makes.
func NewUser(name string, inbox *Inbox, cfg UserConfig, onStop func()) actor.Producer {
	cfg = cfg.withDefaults()
	st := &userState{
		name:   name,
		cfg:    cfg,
		inbox:  inbox,
		rooms:  make(map[actor.PID]string),
		tokens: float64(cfg.Burst),
		onStop: onStop,
	}
	return func() actor.Actor { return &user{st: st} }
}

// userState is what a user keeps across restarts.
type userState struct {
	name    string
	cfg     UserConfig
	inbox   *Inbox
	rooms   map[actor.PID]string // rooms joined, by the room actor's PID
	tokens  float64              // the rate limit's bucket
	filled  time.Time            // when tokens was last topped up
	clients int                  // clients attached
	seen    time.Time            // when a client last came or went
	idling  bool                 // an idleCheck is scheduled; it always comes (the Block mailbox keeps a tick waiting for room)
	onStop  func()
}

// idleCheck is the user's timer: time to see whether anyone still reads.
type idleCheck struct{}

// user is one instance of a user actor.
type user struct{ st *userState }

// Receive handles the user's messages.
func (u *user) Receive(c *actor.Context) {
	st := u.st
	switch m := c.Message().(type) {
	case actor.Started:
		st.seen = time.Now()
		st.idling = false // timers die with an instance: a new one has none
	case Delivery:
		if m.Missed > 0 {
			st.inbox.put(Event{Type: EventMissed, Room: m.Message.Room, Missed: m.Missed})
		}
		msg := m.Message
		st.inbox.put(Event{Type: EventMessage, Room: msg.Room, Message: &msg})
	case Missed:
		st.inbox.put(Event{Type: EventMissed, Room: m.Room, Missed: m.Count})
	case Track:
		if err := c.Watch(m.RoomPID); err == nil {
			st.rooms[m.RoomPID] = m.Room
		}
	case Untrack:
		for pid, room := range st.rooms {
			if pid == m.RoomPID || m.RoomPID.IsZero() && room == m.Room {
				c.Unwatch(pid)
				delete(st.rooms, pid)
			}
		}
	case actor.Terminated:
		if room, ok := st.rooms[m.PID]; ok {
			delete(st.rooms, m.PID)
			st.inbox.put(Event{Type: EventGone, Room: room})
		}
	case Allow:
		c.Respond(st.allow(time.Now()))
	case Attach:
		st.clients++
		st.seen = time.Now()
	case Detach:
		st.clients--
		st.seen = time.Now()
	case idleCheck:
		st.idling = false
		if st.clients <= 0 && time.Since(st.seen) >= st.cfg.Idle {
			c.Stop(c.Self())
			return
		}
	case actor.Stopped:
		st.inbox.close()
		if st.onStop != nil {
			st.onStop()
		}
		return
	}
	// Check again in a quarter of the idle time: a user outlives its last
	// client by Idle to 1.25×Idle.
	if !st.idling {
		st.idling = true
		c.SendAfter(st.cfg.Idle/4, idleCheck{})
	}
}

// allow takes a token from the bucket, if there is one.
func (st *userState) allow(now time.Time) Allowance {
	if !st.filled.IsZero() {
		st.tokens += now.Sub(st.filled).Seconds() * st.cfg.Rate
		st.tokens = min(st.tokens, float64(st.cfg.Burst))
	}
	st.filled = now
	if st.tokens >= 1 {
		st.tokens--
		return Allowance{OK: true}
	}
	wait := time.Duration((1 - st.tokens) / st.cfg.Rate * float64(time.Second))
	return Allowance{RetryAfterMs: max(wait.Milliseconds(), 1)}
}
