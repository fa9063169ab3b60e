package chat

import (
	"fmt"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
)

// Rooms as grains. On a node with a cluster (NodeConfig.Cluster) a room is
// the grain {RoomKind, name}: the cluster places it on the member that
// rendezvous hashing picks, activates it on its first message, and, when
// that member dies, activates it anew on another on its next message. So
// any room name exists as soon as someone joins it, and no directory
// spawns or supervises rooms.

// RoomKind is the grain kind of rooms, and the actor kind of every room.
const RoomKind = "chat.room"

// RoomGrain is the identity of the room called name.
func RoomGrain(name string) cluster.ID { return cluster.ID{Kind: RoomKind, Name: name} }

// roomStore keeps the state of the rooms active on one node, by name, so
// that a room restarted by its supervisor after a panic carries on with its
// backlog, as NewRoom's producer does for the directory's rooms. A room
// that stops (handed off, or its node stopping) takes its state with it:
// the next activation, here or elsewhere, starts afresh, with a new epoch.
type roomStore struct {
	cfg RoomConfig
	dir actor.PID // the node's directory, told of every room that starts
	max int       // rooms at most: any name makes a room, so a client could make them without end

	mu sync.Mutex
	m  map[string]*roomState
}

func newRoomStore(cfg RoomConfig, dir actor.PID, max int) *roomStore {
	return &roomStore{cfg: cfg.withDefaults(), dir: dir, max: max, m: make(map[string]*roomState)}
}

// get returns the state of the room called name, made if it has none,
// and nil if it has none and the node has max rooms.
func (s *roomStore) get(name string) *roomState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[name]
	if !ok {
		if len(s.m) >= s.max {
			return nil
		}
		st = &roomState{name: name, epoch: time.Now().UnixNano(), cfg: s.cfg, subs: make(map[actor.PID]*subscriber)}
		s.m[name] = st
	}
	return st
}

// drop forgets st, if it is still the state of its room.
func (s *roomStore) drop(st *roomState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[st.name] == st {
		delete(s.m, st.name)
	}
}

// producer makes the room grains of this node.
func (s *roomStore) producer() actor.Producer {
	return func() actor.Actor { return &roomGrain{store: s} }
}

// roomGrain is one instance of a room grain: it learns its name from its
// identity when it starts, and is then a room.
type roomGrain struct {
	store *roomStore
	room  *room
}

// hosted tells a node's directory that a room grain started on its node.
// It never leaves the node, so it is not registered.
type hosted struct {
	Room string
	PID  actor.PID
}

// memberGone tells a node's directory that the cluster says the member at
// Address is gone (dead, or left): it is no peer to tell of rooms any
// more. A member that comes back is met again. Local only, as hosted.
type memberGone struct {
	Address string
}

// peersQuery asks a directory for its peers' addresses, sorted; for tests.
type peersQuery struct{}

// Receive handles the room's messages.
func (g *roomGrain) Receive(c *actor.Context) {
	switch c.Message().(type) {
	case actor.Stopping, actor.Restarting:
		if g.room == nil {
			return
		}
	case actor.Stopped:
		if g.room != nil {
			g.store.drop(g.room.st)
		}
		return
	}
	if g.room == nil && !g.start(c) {
		return
	}
	g.room.Receive(c)
}

// start makes the grain the room its identity names, and reports whether
// it could. A node that has MaxRooms rooms refuses the first message that
// is not Started (NoRoom), and the grain stops: the next message tries
// again, and finds room if another room has gone meanwhile.
func (g *roomGrain) start(c *actor.Context) bool {
	id, ok := cluster.IdentityOf(c.Self())
	if !ok || ValidName(id.Name) != nil {
		c.Stop(c.Self()) // not a room this chat can name
		return false
	}
	st := g.store.get(id.Name)
	if st == nil {
		if _, ok := c.Message().(actor.Started); ok {
			return false // wait for the message to refuse
		}
		// ErrNoSender when it was sent, not asked: nobody to tell.
		c.Respond(NoRoom{Room: id.Name, Reason: fmt.Sprintf("too many rooms on this node: %d at most", g.store.max)})
		c.Stop(c.Self())
		return false
	}
	g.room = &room{st: st}
	if !g.store.dir.IsZero() {
		c.TrySend(g.store.dir, hosted{Room: id.Name, PID: c.Self()})
	}
	return true
}
