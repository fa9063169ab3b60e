package chat

import "github.com/troupe-go/troupe/actor"

// The messages below are what actors of the chat send each other. Every one
// is a plain struct of exported fields (strings, numbers, PIDs and slices of
// them, no interface, channel or function), so that the same values can be
// registered with a remote node and cross the network unchanged.

// Message is one line said in a room.
type Message struct {
	Room string `json:"room"`
	Seq  uint64 `json:"seq"` // 1, 2, ... in the order the room took the posts
	User string `json:"user"`
	Text string `json:"text"`
	At   int64  `json:"at"` // when the room took it, Unix milliseconds
}

// Post asks a room to say Text as User. The room answers with Posted. A
// room trusts its posts: one that breaks the rules of Post.Validate makes
// it panic, and its supervisor restart it.
type Post struct {
	User string
	Text string
}

// Posted answers a Post with the message as the room numbered it.
type Posted struct {
	Message Message
}

// Join subscribes User, a user actor, to a room under the name Name.
// The room answers Joined, or Refused when it is full. Joining again is
// harmless and answers the backlog again.
type Join struct {
	User actor.PID
	Name string
}

// Joined answers Join: the room's backlog at the moment of joining, oldest
// first. Every later message reaches the user as a Delivery, so the backlog
// and the deliveries neither overlap nor leave a gap.
type Joined struct {
	Room    string
	Epoch   int64 // tells this room from an earlier one of the same name
	Backlog []Message
	PID     actor.PID // the room actor that answered: the one its user watches
}

// Refused answers a Join the room cannot take, or a CreateRoom the
// directory cannot do; Reason says why, for a person.
type Refused struct {
	Room   string
	Reason string
}

// NoRoom answers any message to a room grain that its node could not
// make: it has as many rooms as DirectoryConfig.MaxRooms. Reason says so,
// for a person.
type NoRoom struct {
	Room   string
	Reason string
}

// Leave unsubscribes User from a room. The room answers Left.
type Leave struct {
	User actor.PID
}

// Left answers Leave.
type Left struct {
	Room string
}

// GetBacklog asks a room for its last messages; it answers Backlog.
type GetBacklog struct{}

// Backlog holds a room's last messages, oldest first.
type Backlog struct {
	Room     string
	Messages []Message
}

// Delivery carries a message from a room to one of its users. Missed
// counts the messages of that room which could not be delivered to this
// user since the last delivery (its mailbox was full), so that a gap is
// always told.
type Delivery struct {
	Message Message
	Missed  int
}

// Missed tells a user that Count messages of Room could not reach it, when
// no Delivery came after them to carry the count.
type Missed struct {
	Room  string
	Count int
}

// Track tells a user actor that it has joined Room, hosted by the actor
// RoomPID: the user watches it, so its client hears when the room goes away.
type Track struct {
	Room    string
	RoomPID actor.PID
}

// Untrack tells a user actor that it has left the room RoomPID, or, with
// a zero RoomPID, the room called Room wherever it is (a grain, which the
// gateway does not look up to leave).
type Untrack struct {
	RoomPID actor.PID
	Room    string
}

// Allow asks a user actor whether its person may post now (the per-user
// rate limit). It answers Allowance.
type Allow struct{}

// Allowance answers Allow. When OK is false, RetryAfterMs says how long to
// wait, in milliseconds.
type Allowance struct {
	OK           bool
	RetryAfterMs int64
}

// Attach and Detach tell a user actor that a client has begun or ended
// reading its events (a stream or a long poll). A user with no client
// attached for UserConfig.Idle stops.
type Attach struct{}

// Detach ends an Attach.
type Detach struct{}

// Lookup asks a directory where a room is; it answers Location.
type Lookup struct {
	Room string
}

// Location answers Lookup and CreateRoom: the room's actor, when Found,
// and the name of the node that hosts it, if known.
type Location struct {
	Room  string
	PID   actor.PID
	Found bool
	Node  string
}

// CreateRoom asks a directory to create a room on its own node. It answers
// Location, or Refused when the room exists or there are too many.
type CreateRoom struct {
	Room string
}

// ListRooms asks a directory for every room it knows; it answers RoomList.
type ListRooms struct{}

// RoomList answers ListRooms, sorted by room name.
type RoomList struct {
	Rooms []Location
}

// Announce tells the directory of another node which rooms this node
// hosts: all of them when a node starts or meets a peer, a new one when it
// is created. Hello asks the receiver to answer with an Announce of its own
// rooms. The receiver watches every room it learns of, so a room that stops,
// or whose node is lost, is forgotten everywhere.
type Announce struct {
	Rooms []Location
	Hello bool
	Node  string // the sender's node name
}

// Meet tells a directory about a peer node at Address: it introduces itself
// to that node's directory, and from then on tells it of the rooms it
// creates.
type Meet struct {
	Address string
}
