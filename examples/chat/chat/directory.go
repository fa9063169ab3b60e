package chat

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// DirectoryName is the actor name of the directory on every node.
const DirectoryName = "directory"

// DefaultMaxRooms is DirectoryConfig.MaxRooms when zero.
const DefaultMaxRooms = 100

// DirectoryConfig configures a node's directory. Its zero value works.
type DirectoryConfig struct {
	// Rooms are created on this node when the directory starts.
	Rooms []string

	// Room configures the rooms this node hosts.
	Room RoomConfig

	// MaxRooms bounds the rooms the directory knows and, on a cluster, the
	// room grains the node hosts (any name makes a room there: a request
	// for one more is refused, NoRoom). Zero means DefaultMaxRooms.
	MaxRooms int

	// Node is this node's name, which the other directories learn with its
	// rooms, so that pages and terminals name nodes alike. "" means none:
	// a node is then named by its address.
	Node string

	// Peers are the addresses of the other nodes of the chat (see
	// remote.Config.Addr). The directory introduces itself to theirs at
	// start; more can be met later with Meet. Nil means none: a node on its
	// own, or one that is told of its peers later.
	Peers []string

	// grains is set by StartNode on a node with a cluster: rooms are then
	// grains, which tell the directory when they start (hosted); the
	// directory spawns none, and never stops one (the cluster decides
	// where a room lives).
	grains bool
}

func (cfg DirectoryConfig) withDefaults() DirectoryConfig {
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	return cfg
}

// RoomSupervisor is the strategy a directory applies to its rooms: a
// failed room is restarted alone, after a backoff that doubles from 10 ms
// to a second. The limit is set so that a room failing on every message,
// slowed by the backoff, never reaches it: a room is never given up on, and
// its failures never escalate to the directory, which would take every
// room of the node down with it.
func RoomSupervisor() *supervisor.Strategy {
	return supervisor.OneForOne(
		supervisor.WithBackoff(10*time.Millisecond, time.Second),
		supervisor.WithMaxRestarts(50, 10*time.Second),
	)
}

// SpawnDirectory starts the directory of a node: the actor that knows which
// node hosts which room, and the parent, spawn site and supervisor of the
// rooms this node hosts.
func SpawnDirectory(sys *actor.System, cfg DirectoryConfig) (actor.PID, error) {
	cfg = cfg.withDefaults()
	for _, name := range cfg.Rooms {
		if err := ValidName(name); err != nil {
			return actor.PID{}, err
		}
	}
	return sys.Spawn(func() actor.Actor {
		return &directory{cfg: cfg, rooms: make(map[string]actor.PID), peers: make(map[string]bool), names: make(map[string]string)}
	},
		actor.WithName(DirectoryName),
		actor.WithKind("chat.directory"),
		actor.WithSupervisor(RoomSupervisor()))
}

// directory maps room names to room actors, on this node (an empty
// Address) or on others. It watches every room it knows, so a room that
// stops for good, or whose node is lost, is forgotten, and may be created
// again, here or elsewhere.
type directory struct {
	cfg   DirectoryConfig
	rooms map[string]actor.PID
	peers map[string]bool   // addresses of the nodes told of our rooms
	names map[string]string // the other nodes' names, by address
}

// Receive handles the directory's messages.
func (d *directory) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		for _, name := range d.cfg.Rooms {
			if _, err := d.create(c, name); err != nil {
				panic(fmt.Errorf("directory: cannot create room %s: %w", name, err))
			}
		}
		for _, addr := range d.cfg.Peers {
			d.meet(c, addr)
		}
	case Meet:
		d.meet(c, m.Address)
	case Announce:
		d.learn(c, m)
	case hosted:
		d.host(c, m)
	case memberGone:
		delete(d.peers, m.Address)
		d.forgetName(m.Address)
	case peersQuery:
		c.Respond(slices.Sorted(maps.Keys(d.peers)))
	case Lookup:
		pid, ok := d.rooms[m.Room]
		c.Respond(Location{Room: m.Room, PID: pid, Found: ok, Node: d.nameOf(pid)})
	case CreateRoom:
		if d.cfg.grains {
			c.Respond(Refused{Room: m.Room, Reason: "rooms are grains of the cluster here: join a room to make it"})
			return
		}
		if err := ValidName(m.Room); err != nil {
			c.Respond(Refused{Room: m.Room, Reason: err.Error()})
			return
		}
		pid, err := d.create(c, m.Room)
		if err != nil {
			c.Respond(Refused{Room: m.Room, Reason: err.Error()})
			return
		}
		loc := Location{Room: m.Room, PID: pid, Found: true, Node: d.cfg.Node}
		d.tellPeers(c, Announce{Rooms: []Location{loc}, Node: d.cfg.Node})
		c.Respond(loc)
	case ListRooms:
		list := RoomList{Rooms: make([]Location, 0, len(d.rooms))}
		for name, pid := range d.rooms {
			list.Rooms = append(list.Rooms, Location{Room: name, PID: pid, Found: true, Node: d.nameOf(pid)})
		}
		slices.SortFunc(list.Rooms, func(a, b Location) int { return strings.Compare(a.Room, b.Room) })
		c.Respond(list)
	case actor.Terminated:
		for name, pid := range d.rooms {
			if pid == m.PID {
				delete(d.rooms, name)
			}
		}
		d.forgetName(m.PID.Address)
	}
}

// create spawns the room called name on this node.
func (d *directory) create(c *actor.Context, name string) (actor.PID, error) {
	if pid, ok := d.rooms[name]; ok {
		if pid.Address != "" {
			return actor.PID{}, fmt.Errorf("room %s exists on node %s", name, pid.Address)
		}
		return actor.PID{}, fmt.Errorf("room %s exists", name)
	}
	if len(d.rooms) >= d.cfg.MaxRooms {
		return actor.PID{}, fmt.Errorf("too many rooms: %d at most", d.cfg.MaxRooms)
	}
	pid, err := c.Spawn(NewRoom(name, d.cfg.Room),
		actor.WithName(RoomID(name)),
		actor.WithKind("chat.room"))
	if err != nil {
		return actor.PID{}, err
	}
	c.Watch(pid)
	d.rooms[name] = pid
	return pid, nil
}

// host takes in a room grain that started on this node, and tells the
// peers. A room beyond MaxRooms works, but is not listed.
func (d *directory) host(c *actor.Context, m hosted) {
	old, ok := d.rooms[m.Room]
	switch {
	case ok && old == m.PID:
		return // restarted after a panic: nothing new
	case ok:
		c.Unwatch(old)
	case len(d.rooms) >= d.cfg.MaxRooms:
		return
	}
	c.Watch(m.PID)
	d.rooms[m.Room] = m.PID
	d.tellPeers(c, Announce{Rooms: []Location{{Room: m.Room, PID: m.PID, Found: true, Node: d.cfg.Node}}, Node: d.cfg.Node})
}

// local returns the rooms this node hosts.
func (d *directory) local() []Location {
	var locs []Location
	for name, pid := range d.rooms {
		if pid.Address == "" {
			locs = append(locs, Location{Room: name, PID: pid, Found: true, Node: d.cfg.Node})
		}
	}
	return locs
}

// nameOf returns the name of the node that hosts pid, "" if unknown.
func (d *directory) nameOf(pid actor.PID) string {
	if pid.Address == "" {
		return d.cfg.Node
	}
	return d.names[pid.Address]
}

// forgetName drops the name of the node at addr once it is no peer and
// hosts no room listed here. A member the cluster calls gone may still
// have rooms listed until their watches fire (or it was only thought dead,
// on a loaded machine): they keep the name the page shows.
func (d *directory) forgetName(addr string) {
	if addr == "" || d.peers[addr] {
		return
	}
	for _, pid := range d.rooms {
		if pid.Address == addr {
			return
		}
	}
	delete(d.names, addr)
}

// directoryOf is the directory of the node at addr.
func directoryOf(addr string) actor.PID { return actor.PID{Address: addr, ID: DirectoryName} }

// meet introduces this directory to the one of the node at addr.
func (d *directory) meet(c *actor.Context, addr string) {
	if addr == "" || addr == c.System().Address() {
		return
	}
	d.peers[addr] = true
	// TrySend: a directory never waits for another node. If the peer is
	// not up yet, its queue keeps the message until it is, or gives up;
	// either way the peer says hello itself when it starts.
	c.TrySend(directoryOf(addr), Announce{Rooms: d.local(), Hello: true, Node: d.cfg.Node})
}

// tellPeers sends a to every peer directory.
func (d *directory) tellPeers(c *actor.Context, a Announce) {
	for addr := range d.peers {
		c.TrySend(directoryOf(addr), a)
	}
}

// learn takes in the rooms another node hosts. Two nodes may host a room
// of the same name (created at once on both, before either heard of the
// other): every directory keeps the one on the node with the lower address,
// so they all agree, and the node that loses stops its own, whose users are
// told it went away and join the other.
func (d *directory) learn(c *actor.Context, m Announce) {
	from := c.Sender()
	if from.Address != "" {
		d.peers[from.Address] = true
		if m.Node != "" && ValidName(m.Node) == nil {
			d.names[from.Address] = m.Node
		}
	}
	self := c.System().Address()
	for _, loc := range m.Rooms {
		if !loc.Found || loc.PID.Address == "" || ValidName(loc.Room) != nil {
			continue
		}
		if old, ok := d.rooms[loc.Room]; ok {
			if old == loc.PID {
				continue
			}
			oldAddr := old.Address
			if oldAddr == "" {
				oldAddr = self
			}
			switch {
			case d.cfg.grains:
				// A grain moved, or came back elsewhere: the latest word
				// wins; the cluster stops a copy that is not its owner's.
				c.Unwatch(old)
			case oldAddr <= loc.PID.Address:
				continue
			case old.Address == "":
				c.Stop(old)
			default:
				c.Unwatch(old)
			}
		} else if len(d.rooms) >= d.cfg.MaxRooms {
			continue
		}
		c.Watch(loc.PID)
		d.rooms[loc.Room] = loc.PID
	}
	if m.Hello && !from.IsZero() {
		c.TrySend(from, Announce{Rooms: d.local(), Node: d.cfg.Node})
	}
}
