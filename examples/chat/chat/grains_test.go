package chat_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/cluster"
	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// On a cluster, rooms are grains: a room nobody made exists as soon as
// someone joins it, users of every gateway reach the same room, every
// gateway lists it, and when its node dies its users are told, and the
// next join makes it anew (a restart after a panic keeps its state, as a
// directory's room does) on another member, with a new epoch and no
// backlog, where it works as before.
func TestGrainRoomIsMadeByJoiningAndComesBackAfterItsNodeDies(t *testing.T) {
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b", "c")
	byAddr := map[string]*chat.Node{}
	for _, n := range nodes {
		byAddr[n.NodeAddr()] = n
		var info chat.NodeInfo
		do(t, "GET", n.URL()+"/node", nil).Decode(t, &info)
		if !info.Grains {
			t.Fatalf("node %s does not say its rooms are grains: %+v", n.NodeAddr(), info)
		}
	}
	// Where the cluster places zed: the first request makes it.
	r := call(t, "POST", nodes[0].URL()+"/rooms", chat.RoomRequest{Name: "zed"})
	if r.Status != http.StatusCreated {
		t.Fatalf("make zed: %d %s", r.Status, r.Body)
	}
	var ri chat.RoomInfo
	r.Decode(t, &ri)
	host := byAddr[ri.Node]
	if host == nil {
		t.Fatalf("zed is on %q, not a node of the test", ri.Node)
	}
	// ann and bob use the gateways of the two other nodes.
	var others []*chat.Node
	for _, n := range nodes {
		if n != host {
			others = append(others, n)
		}
	}
	a, b := others[0], others[1]
	for _, n := range nodes {
		knows(t, n, "zed")
		if got := roomsOf(t, n)["zed"]; got != host.NodeAddr() {
			t.Fatalf("node %s lists zed on %q, want %s", n.NodeAddr(), got, host.NodeAddr())
		}
	}

	ann := openStream(t, a.URL(), "ann")
	bob := openStream(t, b.URL(), "bob")
	first := joinEpoch(t, a.URL(), "zed", "ann")
	joinEpoch(t, b.URL(), "zed", "bob")
	say(t, a.URL(), "zed", "ann", "before")
	for _, s := range []*stream{ann, bob} {
		if m := s.nextMessage(t); m.Text != "before" || m.Seq != 1 {
			t.Fatalf("got %+v", m)
		}
	}

	// A malformed post makes the room panic; restarted, it has kept its
	// state, and numbers the next message 2.
	if err := a.Cluster.Send(t.Context(), chat.RoomGrain("zed"), chat.Post{}); err != nil {
		t.Fatal(err)
	}
	say(t, b.URL(), "zed", "bob", "after a restart")
	for _, s := range []*stream{ann, bob} {
		if m := s.nextMessage(t); m.Text != "after a restart" || m.Seq != 2 {
			t.Fatalf("got %+v", m)
		}
	}

	chattest.Kill(t, host)
	for _, s := range []*stream{ann, bob} {
		if ev := s.next(t); ev.Type != chat.EventGone || ev.Room != "zed" {
			t.Fatalf("got %+v, want zed gone", ev)
		}
	}
	again := joinEpoch(t, a.URL(), "zed", "ann")
	if again.Epoch == first.Epoch || len(again.Backlog) != 0 {
		t.Fatalf("zed after its node died: epoch %d (was %d), backlog %+v: want a new, empty room", again.Epoch, first.Epoch, again.Backlog)
	}
	joinEpoch(t, b.URL(), "zed", "bob")
	say(t, b.URL(), "zed", "bob", "after")
	for _, s := range []*stream{ann, bob} {
		if m := s.nextMessage(t); m.Text != "after" || m.Seq != 1 {
			t.Fatalf("got %+v", m)
		}
	}
	eventually(t, "the gateways list zed on a live node", func() bool {
		for _, n := range others {
			if got := roomsOf(t, n)["zed"]; got != a.NodeAddr() && got != b.NodeAddr() {
				return false
			}
		}
		return true
	})
}

// A directory drops a member the cluster says is gone from its peers: it
// no longer tells it of rooms.
func TestDirectoryForgetsAGoneMember(t *testing.T) {
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b", "c")
	a, dead := nodes[0], nodes[2]
	chattest.Eventually(t, "a's directory meets both others", func() bool {
		peers, err := chat.PeersOf(t.Context(), a)
		return err == nil && len(peers) == 2
	})
	gone := make(chan struct{}, 1)
	unsub := a.System.Subscribe(func(ev actor.Event) {
		if e, ok := ev.(cluster.MemberEvent); ok && e.Member.Addr == dead.NodeAddr() && (e.Member.State == cluster.Dead || e.Member.State == cluster.Left) {
			select {
			case gone <- struct{}{}:
			default:
			}
		}
	})
	defer unsub()
	chattest.Kill(t, dead)
	testkit.Recv(t, gone, "the killed member dead in a's view")
	// The node's own subscriber, called before this test's, has queued
	// the news to the directory: the query comes after it.
	peers, err := chat.PeersOf(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(peers, dead.NodeAddr()) || len(peers) != 1 {
		t.Fatalf("a's directory's peers: %v, want only %s", peers, nodes[1].NodeAddr())
	}
}

// A member the cluster calls gone keeps its name on the rooms still
// listed on it, as long as they are: the cluster can call a live member
// dead on a loaded machine (TestDemoRunsTenNodes once saw a room on node
// "" after that), and a dead one's rooms go when their watches fire.
func TestDirectoryKeepsTheNameOfAGoneMembersRooms(t *testing.T) {
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b")
	r := call(t, "POST", nodes[0].URL()+"/rooms", chat.RoomRequest{Name: "zed"})
	if r.Status != http.StatusCreated {
		t.Fatalf("make zed: %d %s", r.Status, r.Body)
	}
	var ri chat.RoomInfo
	r.Decode(t, &ri)
	host, lister := nodes[0], nodes[1]
	if ri.Node != host.NodeAddr() {
		host, lister = lister, host
	}
	nameAt := func() string {
		var infos []chat.RoomInfo
		do(t, "GET", lister.URL()+"/rooms", nil).Decode(t, &infos)
		for _, i := range infos {
			if i.Name == "zed" {
				return i.NodeName
			}
		}
		return "(not listed)"
	}
	var want string
	eventually(t, "the other node lists zed with its node's name", func() bool {
		want = nameAt()
		return want != "" && want != "(not listed)"
	})
	if err := chat.TellGone(lister, host.NodeAddr()); err != nil {
		t.Fatal(err)
	}
	if got := nameAt(); got != want {
		t.Fatalf("zed, still listed, is on node %q after its member was called gone; want %q", got, want)
	}
}

// The gateway finds a grain room once per request: the request to the
// room finds it, with no lookup before (or, for a join, after) it. The
// member counts every Send, Request and Get as a lookup.
func TestGatewayFindsAGrainRoomOncePerRequest(t *testing.T) {
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b")
	n := nodes[0]
	lookups := func() uint64 { return n.Cluster.Stats().Kinds[chat.RoomKind].Lookups }
	ann := openStream(t, n.URL(), "ann")
	join(t, n.URL(), "zed", "ann") // the room and the user exist from here
	// (TestUserUntracksARoomByName checks the leave's Untrack by name.)
	steps := []struct {
		name string
		do   func()
	}{
		{"join", func() { join(t, n.URL(), "zed", "ann") }},
		{"post", func() { say(t, n.URL(), "zed", "ann", "hi") }},
		{"backlog", func() {
			if r := call(t, "GET", n.URL()+"/rooms/zed/backlog", nil); r.Status != http.StatusOK {
				t.Fatalf("backlog: %d %s", r.Status, r.Body)
			}
		}},
		{"leave", func() {
			if r := call(t, "POST", n.URL()+"/rooms/zed/leave", chat.UserRequest{User: "ann"}); r.Status != http.StatusOK {
				t.Fatalf("leave: %d %s", r.Status, r.Body)
			}
		}},
	}
	for _, step := range steps {
		before := lookups()
		step.do()
		if got := lookups() - before; got != 1 {
			t.Errorf("%s: %d lookups, want 1", step.name, got)
		}
	}
	ann.close()
}

// A node with a cluster needs a network, and takes no rooms or peers of
// its own: its rooms are the cluster's.
func TestGrainNodeConfigRefused(t *testing.T) {
	for name, cfg := range map[string]chat.NodeConfig{
		"no network": {Cluster: &cluster.Config{Profile: cluster.Loopback}},
		"rooms": {Cluster: &cluster.Config{Profile: cluster.Loopback}, Remote: &remote.Config{Addr: "127.0.0.1:0"},
			Directory: chat.DirectoryConfig{Rooms: []string{"foo"}}},
		"peers": {Cluster: &cluster.Config{Profile: cluster.Loopback}, Remote: &remote.Config{Addr: "127.0.0.1:0"},
			Directory: chat.DirectoryConfig{Peers: []string{"127.0.0.1:1"}}},
	} {
		if n, err := chat.StartNode(cfg); err == nil {
			n.Stop(t.Context())
			t.Errorf("%s: StartNode accepted %+v", name, cfg)
		}
	}
}

// The terminal client on a cluster: when its room's node dies, it says
// the room went away, joins it again on the member that owns it now,
// says its history was lost, and goes on.
func TestClientComesBackWhenItsGrainRoomsNodeDies(t *testing.T) {
	nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b", "c")
	r := call(t, "POST", nodes[0].URL()+"/rooms", chat.RoomRequest{Name: "zed"})
	if r.Status != http.StatusCreated {
		t.Fatalf("make zed: %d %s", r.Status, r.Body)
	}
	var ri chat.RoomInfo
	r.Decode(t, &ri)
	var host, other *chat.Node
	for _, n := range nodes {
		if n.NodeAddr() == ri.Node {
			host = n
		} else {
			other = n
		}
	}
	if host == nil {
		t.Fatalf("zed is on %q, not a node of the test", ri.Node)
	}
	term := runClient(t, other.URL(), "zed", "ann")
	say(t, other.URL(), "zed", "bob", "before")
	term.expect(t, "bob: before")

	chattest.Kill(t, host)
	term.expect(t, "-- room zed went away")
	term.expect(t, "-- room zed was made anew: its earlier history was lost")
	term.expect(t, "-- reconnected to #zed")
	say(t, other.URL(), "zed", "bob", "after")
	term.expect(t, "bob: after")
}

// Any name makes a room on a cluster, so what a client can make is
// bounded: a node with DirectoryConfig.MaxRooms rooms refuses another
// with 503, whichever request would make it.
func TestGrainRoomsPerNodeAreBounded(t *testing.T) {
	n := chattest.StartNode(t, chat.NodeConfig{
		Remote:    &remote.Config{Addr: "127.0.0.1:0"},
		Cluster:   &cluster.Config{Profile: cluster.Loopback},
		Directory: chat.DirectoryConfig{Rooms: []string{}, MaxRooms: 1},
	})
	joinEpoch(t, n.URL(), "one", "ann")
	for _, r := range []reply{
		call(t, "POST", n.URL()+"/rooms/two/join", chat.UserRequest{User: "ann"}),
		call(t, "POST", n.URL()+"/rooms/two/messages", chat.PostRequest{User: "ann", Text: "hi"}),
		call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: "two"}),
		do(t, "GET", n.URL()+"/rooms/two/backlog", nil),
	} {
		if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.ErrorText(t), "too many rooms") {
			t.Fatalf("a second room on a node of one: %d %s", r.Status, r.Body)
		}
	}
	if rooms := roomsOf(t, n); len(rooms) != 1 {
		t.Fatalf("the node lists %v", rooms)
	}
	say(t, n.URL(), "one", "ann", "the first room works")
}

// POST /rooms answers what GET /rooms lists for the room: its node's
// address and name, on a cluster (the room a grain made on the member
// that owns its name, this one or another) and on a node without one.
func TestCreateRoomAnswersAsTheListDoes(t *testing.T) {
	check := func(t *testing.T, n *chat.Node, room string, names map[string]string) chat.RoomInfo {
		t.Helper()
		r := call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: room})
		if r.Status != http.StatusCreated {
			t.Fatalf("make %s: %d %s", room, r.Status, r.Body)
		}
		var made chat.RoomInfo
		r.Decode(t, &made)
		if want, ok := names[made.Node]; !ok || made.Name != room || made.NodeName != want {
			t.Fatalf("POST /rooms %s answered %+v; want node %q named %q", room, made, made.Node, want)
		}
		var listed chat.RoomInfo
		eventually(t, "GET /rooms lists "+room+" with its node's name", func() bool {
			var infos []chat.RoomInfo
			do(t, "GET", n.URL()+"/rooms", nil).Decode(t, &infos)
			for _, i := range infos {
				if i.Name == room {
					listed = i
				}
			}
			return listed.NodeName != ""
		})
		if listed != made {
			t.Fatalf("POST /rooms %s answered %+v, GET /rooms lists %+v", room, made, listed)
		}
		return made
	}
	nameOf := func(t *testing.T, n *chat.Node, names map[string]string) {
		var info chat.NodeInfo
		do(t, "GET", n.URL()+"/node", nil).Decode(t, &info)
		names[info.Addr] = info.Name
	}
	t.Run("cluster", func(t *testing.T) {
		nodes := chattest.StartGrains(t, chat.GatewayConfig{}, "a", "b", "c")
		names := map[string]string{}
		for _, n := range nodes {
			nameOf(t, n, names)
		}
		here, elsewhere := 0, 0
		for i := 0; here == 0 || elsewhere == 0; i++ {
			if i == 40 {
				t.Fatalf("40 rooms: %d on the gateway's member, %d on others", here, elsewhere)
			}
			if check(t, nodes[0], fmt.Sprint("r", i), names).Node == nodes[0].NodeAddr() {
				here++
			} else {
				elsewhere++
			}
		}
	})
	t.Run("no cluster", func(t *testing.T) {
		n := startNode(t, chat.NodeConfig{Name: "solo"})
		names := map[string]string{}
		nameOf(t, n, names)
		check(t, n, "baz", names)
	})
}
