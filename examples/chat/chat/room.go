package chat

import (
	"fmt"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// Defaults of RoomConfig.
const (
	DefaultBacklog  = 25
	DefaultMaxUsers = 200
	DefaultRetry    = 100 * time.Millisecond
)

// RoomConfig configures a room. Its zero value works; every field says what
// zero means.
type RoomConfig struct {
	// Backlog is how many of its last messages a room keeps for newcomers.
	// Zero means DefaultBacklog.
	Backlog int

	// MaxUsers bounds the users subscribed to one room at once: a Join
	// beyond it is Refused. Zero means DefaultMaxUsers.
	MaxUsers int

	// Retry is how soon a room tries again to tell a user about messages it
	// could not deliver when no later message has carried the count. Zero
	// means DefaultRetry.
	Retry time.Duration
}

func (cfg RoomConfig) withDefaults() RoomConfig {
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	if cfg.MaxUsers <= 0 {
		cfg.MaxUsers = DefaultMaxUsers
	}
	if cfg.Retry <= 0 {
		cfg.Retry = DefaultRetry
	}
	return cfg
}

// RoomID is the actor ID of the room called name, on whichever node hosts
// it: "room:" and the name.
func RoomID(name string) string { return "room:" + name }

// NewRoom returns the producer of the room called name.
//
// The room's state (its backlog, its sequence number and its subscribers) is
// made here, once, and the producer hands the same state to every instance it
// makes. So when a malformed post makes the room panic and its supervisor
// restarts it, the new instance carries on with the backlog intact: the state
// lives as long as the producer, which the spawn site (the directory) holds
// for as long as the room is supervised. The watches of the subscribers
// belong to the room's PID, not to an instance, so they survive too.
//
// Only the room's own goroutine touches the state, one instance at a time.
func NewRoom(name string, cfg RoomConfig) actor.Producer {
	st := &roomState{
		name:  name,
		epoch: time.Now().UnixNano(),
		cfg:   cfg.withDefaults(),
		subs:  make(map[actor.PID]*subscriber),
	}
	return func() actor.Actor { return &room{st: st} }
}

// roomState is what a room keeps across restarts.
type roomState struct {
	name     string
	epoch    int64 // when the room was made: a new room of the same name numbers its messages from 1 again
	cfg      RoomConfig
	seq      uint64
	backlog  []Message // the last cfg.Backlog messages, oldest first
	subs     map[actor.PID]*subscriber
	retrying bool // a retryMissed is scheduled; it always comes (the Block mailbox keeps a tick waiting for room)
}

// subscriber is a user subscribed to the room.
type subscriber struct {
	name   string
	missed int // messages not delivered since the last delivery
}

// retryMissed is the room's timer: time to tell users what they missed.
type retryMissed struct{}

// room is one instance of a room actor: all it has is the shared state.
type room struct{ st *roomState }

// Receive handles the room's messages.
func (r *room) Receive(c *actor.Context) {
	st := r.st
	switch m := c.Message().(type) {
	case actor.Started:
		st.retrying = false // timers die with an instance: a new one has none
	case Post:
		// The gateway checks every post; a room that gets a bad one anyway
		// lets it crash, and its supervisor gives it a clean start.
		if err := m.Validate(); err != nil {
			panic(fmt.Errorf("room %s: malformed post: %w", st.name, err))
		}
		msg := st.add(m)
		st.fanOut(c, msg)
		c.Respond(Posted{Message: msg})
	case Join:
		st.join(c, m)
	case Leave:
		if _, ok := st.subs[m.User]; ok {
			c.Unwatch(m.User)
			delete(st.subs, m.User)
		}
		c.Respond(Left{Room: st.name})
	case GetBacklog:
		c.Respond(Backlog{Room: st.name, Messages: st.copyBacklog()})
	case actor.Terminated:
		// A user stopped (its client left, or its node went away).
		delete(st.subs, m.PID)
	case retryMissed:
		st.retrying = false
		st.tellMissed(c)
	}
}

// add numbers the post, keeps it in the backlog and returns it.
func (st *roomState) add(p Post) Message {
	st.seq++
	msg := Message{
		Room: st.name,
		Seq:  st.seq,
		User: p.User,
		Text: p.Text,
		At:   time.Now().UnixMilli(),
	}
	if len(st.backlog) == st.cfg.Backlog {
		copy(st.backlog, st.backlog[1:])
		st.backlog = st.backlog[:len(st.backlog)-1]
	}
	st.backlog = append(st.backlog, msg)
	return msg
}

func (st *roomState) copyBacklog() []Message {
	return append(make([]Message, 0, len(st.backlog)), st.backlog...)
}

// join subscribes a user, or refuses when the room is full.
func (st *roomState) join(c *actor.Context, m Join) {
	if s, ok := st.subs[m.User]; ok {
		s.name = m.Name
	} else {
		if len(st.subs) >= st.cfg.MaxUsers {
			c.Respond(Refused{Room: st.name,
				Reason: fmt.Sprintf("room %s is full: %d users at most", st.name, st.cfg.MaxUsers)})
			return
		}
		if err := c.Watch(m.User); err != nil {
			c.Respond(Refused{Room: st.name, Reason: err.Error()})
			return
		}
		st.subs[m.User] = &subscriber{name: m.Name}
	}
	c.Respond(Joined{Room: st.name, Epoch: st.epoch, Backlog: st.copyBacklog(), PID: c.Self()})
}

// fanOut hands msg to every subscriber. It never waits: a subscriber whose
// mailbox is full misses the message, and the count reaches it with the
// next delivery, or with a Missed notice that the room's timer retries.
func (st *roomState) fanOut(c *actor.Context, msg Message) {
	for pid, s := range st.subs {
		if err := c.TrySend(pid, Delivery{Message: msg, Missed: s.missed}); err != nil {
			s.missed++
			st.retryLater(c)
			continue
		}
		s.missed = 0
	}
}

// retryLater schedules one retryMissed, unless one is already scheduled.
func (st *roomState) retryLater(c *actor.Context) {
	if !st.retrying {
		st.retrying = true
		c.SendAfter(st.cfg.Retry, retryMissed{})
	}
}

// tellMissed sends a Missed notice to each subscriber that has missed
// messages since its last delivery, and tries again later for those it
// still cannot reach.
func (st *roomState) tellMissed(c *actor.Context) {
	for pid, s := range st.subs {
		if s.missed == 0 {
			continue
		}
		if err := c.TrySend(pid, Missed{Room: st.name, Count: s.missed}); err != nil {
			st.retryLater(c)
			continue
		}
		s.missed = 0
	}
}
