package chat

import (
	"fmt"
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

	// MaxRooms bounds the rooms the directory knows. Zero means
	// DefaultMaxRooms.
	MaxRooms int
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
	return sys.Spawn(func() actor.Actor { return &directory{cfg: cfg, rooms: make(map[string]actor.PID)} },
		actor.WithName(DirectoryName),
		actor.WithKind("chat.directory"),
		actor.WithSupervisor(RoomSupervisor()))
}

// directory maps room names to room actors. It watches every room it
// knows, so a room that stops for good is forgotten, and may be created
// again.
type directory struct {
	cfg   DirectoryConfig
	rooms map[string]actor.PID
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
	case Lookup:
		pid, ok := d.rooms[m.Room]
		c.Respond(Location{Room: m.Room, PID: pid, Found: ok})
	case CreateRoom:
		if err := ValidName(m.Room); err != nil {
			c.Respond(Refused{Room: m.Room, Reason: err.Error()})
			return
		}
		pid, err := d.create(c, m.Room)
		if err != nil {
			c.Respond(Refused{Room: m.Room, Reason: err.Error()})
			return
		}
		c.Respond(Location{Room: m.Room, PID: pid, Found: true})
	case ListRooms:
		list := RoomList{Rooms: make([]Location, 0, len(d.rooms))}
		for name, pid := range d.rooms {
			list.Rooms = append(list.Rooms, Location{Room: name, PID: pid, Found: true})
		}
		slices.SortFunc(list.Rooms, func(a, b Location) int { return strings.Compare(a.Room, b.Room) })
		c.Respond(list)
	case actor.Terminated:
		for name, pid := range d.rooms {
			if pid == m.PID {
				delete(d.rooms, name)
			}
		}
	}
}

// create spawns the room called name on this node.
func (d *directory) create(c *actor.Context, name string) (actor.PID, error) {
	if _, ok := d.rooms[name]; ok {
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
