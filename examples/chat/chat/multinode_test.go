package chat_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// A user connected to node A talks in a room hosted on node B, with a
// user connected to B.
func TestTwoNodesChatInARoomOfOne(t *testing.T) {
	nodes := startCluster(t, nil, []string{"foo"})
	a, b := nodes[0], nodes[1]
	if host := roomsOf(t, a)["foo"]; host != b.NodeAddr() {
		t.Fatalf("node A says foo is on %q, want B's %s", host, b.NodeAddr())
	}

	ann := openStream(t, a.URL(), "ann")
	bob := openStream(t, b.URL(), "bob")
	join(t, a.URL(), "foo", "ann")
	join(t, b.URL(), "foo", "bob")

	say(t, a.URL(), "foo", "ann", "hello from node A")
	say(t, b.URL(), "foo", "bob", "hello from node B")
	for _, s := range []*stream{ann, bob} {
		if m := s.nextMessage(t); m.Text != "hello from node A" || m.Seq != 1 {
			t.Fatalf("first: %+v", m)
		}
		if m := s.nextMessage(t); m.Text != "hello from node B" || m.Seq != 2 {
			t.Fatalf("second: %+v", m)
		}
	}
	var backlog []chat.Message
	do(t, "GET", a.URL()+"/rooms/foo/backlog", nil).Decode(t, &backlog)
	if len(backlog) != 2 || backlog[0].User != "ann" || backlog[1].User != "bob" {
		t.Fatalf("backlog through A: %+v", backlog)
	}

	// A room created through A lives on A, and B hears of it.
	if r := call(t, "POST", a.URL()+"/rooms", chat.RoomRequest{Name: "baz"}); r.Status != http.StatusCreated {
		t.Fatalf("create baz: %d %s", r.Status, r.Body)
	}
	knows(t, b, "baz")
	if host := roomsOf(t, b)["baz"]; host != a.NodeAddr() {
		t.Fatalf("node B says baz is on %q, want A's %s", host, a.NodeAddr())
	}
	if r := call(t, "POST", b.URL()+"/rooms", chat.RoomRequest{Name: "baz"}); r.Status != http.StatusConflict {
		t.Fatalf("create baz again through B: %d %s", r.Status, r.Body)
	}
}

// Stopping a node tells the users of its rooms, on the other nodes, that
// the rooms went away; the others go on, and a room can be made again on
// another node.
func TestAStoppedNodesRoomsGoAwayAndComeBackElsewhere(t *testing.T) {
	nodes := startCluster(t, []string{"bar"}, []string{"foo"})
	a, b := nodes[0], nodes[1]
	ann := openStream(t, a.URL(), "ann")
	join(t, a.URL(), "foo", "ann")
	join(t, a.URL(), "bar", "ann")
	say(t, a.URL(), "foo", "ann", "before")
	if m := ann.nextMessage(t); m.Text != "before" {
		t.Fatalf("got %+v", m)
	}

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := b.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ev := ann.next(t); ev.Type != chat.EventGone || ev.Room != "foo" {
		t.Fatalf("ann got %+v, want foo gone", ev)
	}
	eventually(t, "node A forgets foo", func() bool { _, ok := roomsOf(t, a)["foo"]; return !ok })
	if r := call(t, "POST", a.URL()+"/rooms/foo/messages", chat.PostRequest{User: "ann", Text: "anyone?"}); r.Status != http.StatusNotFound {
		t.Fatalf("a post to the room that went away: %d %s", r.Status, r.Body)
	}

	// Node A goes on: its own room works.
	say(t, a.URL(), "bar", "ann", "still here")
	if m := ann.nextMessage(t); m.Room != "bar" || m.Text != "still here" {
		t.Fatalf("got %+v", m)
	}
	// foo is made again, on A this time.
	if r := call(t, "POST", a.URL()+"/rooms", chat.RoomRequest{Name: "foo"}); r.Status != http.StatusCreated {
		t.Fatalf("create foo on A: %d %s", r.Status, r.Body)
	}
	if b := join(t, a.URL(), "foo", "ann"); len(b) != 0 {
		t.Fatalf("a new room with a backlog: %+v", b)
	}
	say(t, a.URL(), "foo", "ann", "foo is back")
	if m := ann.nextMessage(t); m.Room != "foo" || m.Text != "foo is back" || m.Seq != 1 {
		t.Fatalf("got %+v", m)
	}
}

// Two nodes that made a room of the same name before they met end up
// agreeing on one: the lower address's.
func TestDirectoriesAgreeOnARoomMadeTwice(t *testing.T) {
	nodes := startCluster(t, []string{"baz"}, []string{"baz"})
	want := min(nodes[0].NodeAddr(), nodes[1].NodeAddr())
	for _, n := range nodes {
		eventually(t, "agree on baz", func() bool {
			host := roomsOf(t, n)["baz"]
			return host == want
		})
	}
}

// Each gateway serves its node's Prometheus metrics.
func TestMetricsOnEachGateway(t *testing.T) {
	nodes := startCluster(t, []string{"foo"}, nil)
	join(t, nodes[1].URL(), "foo", "ann")
	say(t, nodes[1].URL(), "foo", "ann", "count me")
	for _, n := range nodes {
		r := do(t, "GET", n.URL()+"/metrics", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("/metrics: %d", r.Status)
		}
		lines := strings.Split(string(r.Body), "\n")
		if !slices.ContainsFunc(lines, func(l string) bool {
			return strings.HasPrefix(l, "troupe_actor") && strings.Contains(l, `kind="chat.directory"`)
		}) {
			t.Fatalf("/metrics of %s has no series of the chat's actors:\n%s", n.NodeAddr(), r.Body)
		}
	}
}
