package chat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/troupe-go/troupe/actor"
)

// The JSON bodies of the gateway's API, shared with the terminal client.

// PostRequest is the body of POST /rooms/{room}/messages.
type PostRequest struct {
	User string `json:"user"`
	Text string `json:"text"`
}

// UserRequest is the body of POST /rooms/{room}/join and .../leave.
type UserRequest struct {
	User string `json:"user"`
}

// JoinResponse answers POST /rooms/{room}/join: the room's backlog, oldest
// first, after which every message reaches the user's events.
type JoinResponse struct {
	Room string `json:"room"`
	// Epoch changes when the room is made anew (its node restarted, or it
	// was created again elsewhere): its messages are numbered from 1 again.
	Epoch   int64     `json:"epoch"`
	Backlog []Message `json:"backlog"`
}

// RoomRequest is the body of POST /rooms, which creates a room on the
// gateway's node.
type RoomRequest struct {
	Name string `json:"name"`
}

// RoomInfo describes a room in GET /rooms: its name, and the address and
// name of the node that hosts it (Node is "" for the gateway's own node
// when it is not on a network; NodeName is "" when unknown).
type RoomInfo struct {
	Name     string `json:"name"`
	Node     string `json:"node"`
	NodeName string `json:"nodeName,omitempty"`
}

// NodeInfo answers GET /node: the gateway's own node, by address ("" when
// it is not on a network) and name.
type NodeInfo struct {
	Addr string `json:"addr"`
	Name string `json:"name,omitempty"`
	// Grains is true when rooms are grains of a cluster: joining a room
	// makes it.
	Grains bool `json:"grains,omitempty"`
}

// listRooms answers GET /rooms with every room the directory knows.
func (g *Gateway) listRooms(w http.ResponseWriter, r *http.Request) {
	v, err := g.ask(r.Context(), g.cfg.Directory, ListRooms{})
	if err != nil {
		writeError(w, err)
		return
	}
	list, _ := v.(RoomList)
	infos := make([]RoomInfo, 0, len(list.Rooms))
	for _, loc := range list.Rooms {
		infos = append(infos, g.roomInfo(loc))
	}
	writeJSON(w, http.StatusOK, infos)
}

// roomInfo describes the room at loc, as GET /rooms and POST /rooms give
// it.
func (g *Gateway) roomInfo(loc Location) RoomInfo {
	node := loc.PID.Address
	if node == "" {
		node = g.sys.Address()
	}
	return RoomInfo{Name: loc.Room, Node: node, NodeName: loc.Node}
}

// node answers GET /node with the gateway's own node.
func (g *Gateway) node(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, NodeInfo{Addr: g.sys.Address(), Name: g.cfg.Node, Grains: g.cfg.Cluster != nil})
}

// createRoom answers POST /rooms: the room is created on this node, or,
// with a cluster, on the member that owns its name.
func (g *Gateway) createRoom(w http.ResponseWriter, r *http.Request) {
	var req RoomRequest
	if err := g.readJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := ValidName(req.Name); err != nil {
		writeError(w, err)
		return
	}
	if g.cfg.Cluster != nil {
		// A grain: made wherever the cluster places it, or there already.
		// Asked something, so that a node with too many rooms says so.
		if _, err := g.askRoom(r.Context(), req.Name, actor.PID{}, GetBacklog{}); err != nil {
			writeError(w, roomErr(req.Name, err))
			return
		}
		pid, err := g.lookup(r.Context(), req.Name)
		if err != nil {
			writeError(w, roomErr(req.Name, err))
			return
		}
		writeJSON(w, http.StatusCreated, g.roomInfo(Location{Room: req.Name, PID: pid, Found: true, Node: g.hostName(r.Context(), req.Name, pid.Address)}))
		return
	}
	v, err := g.ask(r.Context(), g.cfg.Directory, CreateRoom{Room: req.Name})
	if err != nil {
		writeError(w, err)
		return
	}
	switch m := v.(type) {
	case Location:
		writeJSON(w, http.StatusCreated, g.roomInfo(m))
	case Refused:
		writeError(w, &httpError{status: http.StatusConflict, err: errors.New(m.Reason)})
	default:
		writeError(w, fmt.Errorf("chat: the directory answered %T", v))
	}
}

// hostName returns the name of the node at addr ("" for this one) that
// hosts room, as that node's directory tells the others, so GET /rooms
// shows it too. The room, a grain, told the directory it started there
// before it answered the gateway. "" if the directory cannot answer: the
// room is made, only its node goes unnamed.
func (g *Gateway) hostName(ctx context.Context, room, addr string) string {
	dir := g.cfg.Directory
	if addr != "" {
		dir = directoryOf(addr)
	}
	v, err := g.ask(ctx, dir, Lookup{Room: room})
	if loc, ok := v.(Location); ok && err == nil {
		return loc.Node
	}
	return ""
}

// backlog answers GET /rooms/{room}/backlog with the room's last messages,
// oldest first.
func (g *Gateway) backlog(w http.ResponseWriter, r *http.Request) {
	room, err := g.find(r.Context(), r.PathValue("room"))
	if err != nil {
		writeError(w, err)
		return
	}
	v, err := g.askRoom(r.Context(), r.PathValue("room"), room, GetBacklog{})
	if err != nil {
		writeError(w, roomErr(r.PathValue("room"), err))
		return
	}
	b, _ := v.(Backlog)
	if b.Messages == nil {
		b.Messages = []Message{}
	}
	writeJSON(w, http.StatusOK, b.Messages)
}

// post answers POST /rooms/{room}/messages: the person's rate limit first,
// then the room, which answers with the message as it numbered it.
func (g *Gateway) post(w http.ResponseWriter, r *http.Request) {
	var req PostRequest
	if err := g.readJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	p := Post{User: req.User, Text: req.Text}
	if err := p.Validate(); err != nil {
		writeError(w, err)
		return
	}
	room, err := g.find(r.Context(), r.PathValue("room"))
	if err != nil {
		writeError(w, err)
		return
	}
	u, err := g.user(p.User, clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	v, err := g.ask(r.Context(), u.pid, Allow{})
	if err != nil {
		writeError(w, userErr(err))
		return
	}
	if a, _ := v.(Allowance); !a.OK {
		secs := (a.RetryAfterMs + 999) / 1000
		writeError(w, &httpError{status: http.StatusTooManyRequests, retryAfter: secs,
			err: fmt.Errorf("%w: wait %d ms", ErrRateLimited, a.RetryAfterMs)})
		return
	}
	v, err = g.askRoom(r.Context(), r.PathValue("room"), room, p)
	if err != nil {
		writeError(w, roomErr(r.PathValue("room"), err))
		return
	}
	posted, _ := v.(Posted)
	writeJSON(w, http.StatusCreated, posted.Message)
}

// join answers POST /rooms/{room}/join: the person's user subscribes to the
// room and watches it; the answer is the backlog.
func (g *Gateway) join(w http.ResponseWriter, r *http.Request) {
	req, name, room, u, ok := g.userAndRoom(w, r)
	if !ok {
		return
	}
	v, err := g.askRoom(r.Context(), name, room, Join{User: u.pid, Name: req.User})
	if err != nil {
		writeError(w, roomErr(name, err))
		return
	}
	switch m := v.(type) {
	case Joined:
		// The room that answered, which the cluster may have found anew:
		// the one the user must watch.
		if !m.PID.IsZero() {
			room = m.PID
		}
		if err := g.sys.SendContext(r.Context(), u.pid, Track{Room: name, RoomPID: room}); err != nil {
			writeError(w, userErr(err))
			return
		}
		if m.Backlog == nil {
			m.Backlog = []Message{}
		}
		writeJSON(w, http.StatusOK, JoinResponse{Room: name, Epoch: m.Epoch, Backlog: m.Backlog})
	case Refused:
		writeError(w, fmt.Errorf("%w: %s", ErrRoomFull, strings.TrimPrefix(m.Reason, "chat: ")))
	default:
		writeError(w, fmt.Errorf("chat: room %s answered %T", name, v))
	}
}

// leave answers POST /rooms/{room}/leave.
func (g *Gateway) leave(w http.ResponseWriter, r *http.Request) {
	_, name, room, u, ok := g.userAndRoom(w, r)
	if !ok {
		return
	}
	if _, err := g.askRoom(r.Context(), name, room, Leave{User: u.pid}); err != nil {
		writeError(w, roomErr(name, err))
		return
	}
	g.sys.SendContext(r.Context(), u.pid, Untrack{RoomPID: room, Room: name}) // room is zero with a cluster (find)
	writeJSON(w, http.StatusOK, struct {
		Room string `json:"room"`
	}{name})
}

// userAndRoom reads a UserRequest for the room in the path, and finds the
// room and the person's user actor. On failure it has written the error,
// and ok is false.
func (g *Gateway) userAndRoom(w http.ResponseWriter, r *http.Request) (req UserRequest, name string, room actor.PID, u *userEntry, ok bool) {
	if err := g.readJSON(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	if err := ValidName(req.User); err != nil {
		writeError(w, err)
		return
	}
	name = r.PathValue("room")
	room, err := g.find(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	if u, err = g.user(req.User, clientAddr(r)); err != nil {
		writeError(w, err)
		return
	}
	return req, name, room, u, true
}

// roomErr says which room an actor error came from; a room that is not
// there any more is an unknown room.
func roomErr(room string, err error) error {
	return fmt.Errorf("room %s: %w", room, err)
}

// userErr tells that the user actor stopped while the request went on.
func userErr(err error) error {
	return fmt.Errorf("%w: %w", ErrUserGone, err)
}
