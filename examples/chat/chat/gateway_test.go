package chat_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

func TestGatewayPostsAndServesTheBacklog(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	for i := 1; i <= 30; i++ {
		if m := say(t, n.URL(), "foo", "ann", fmt.Sprint("m", i)); m.Seq != uint64(i) || m.User != "ann" {
			t.Fatalf("post %d answered %+v", i, m)
		}
	}
	r := do(t, "GET", n.URL()+"/rooms/foo/backlog", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("backlog: %d %s", r.Status, r.Body)
	}
	var b []chat.Message
	r.Decode(t, &b)
	if len(b) != 25 || b[0].Text != "m6" || b[24].Text != "m30" {
		t.Fatalf("backlog: %d messages, %+v ... %+v", len(b), b[0], b[len(b)-1])
	}
	// An empty room's backlog is an empty list, not null.
	if r := do(t, "GET", n.URL()+"/rooms/bar/backlog", nil); strings.TrimSpace(string(r.Body)) != "[]" {
		t.Fatalf("empty backlog: %s", r.Body)
	}
}

func TestGatewayStreamsEachMessageToEverySubscriberOnce(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	say(t, n.URL(), "foo", "ann", "before anyone joined")
	ann := openStream(t, n.URL(), "ann")
	bob := openStream(t, n.URL(), "bob")
	if b := join(t, n.URL(), "foo", "ann"); len(b) != 1 || b[0].Text != "before anyone joined" {
		t.Fatalf("ann joined with backlog %+v", b)
	}
	join(t, n.URL(), "foo", "bob")
	join(t, n.URL(), "bar", "bob")

	say(t, n.URL(), "foo", "ann", "<script>alert(1)</script>")
	say(t, n.URL(), "bar", "carol", "in bar")
	say(t, n.URL(), "foo", "bob", "héllo ✓")
	for _, s := range []*stream{ann, bob} {
		if m := s.nextMessage(t); m.Text != "<script>alert(1)</script>" || m.Seq != 2 {
			t.Fatalf("first message: %+v", m)
		}
		if s == bob {
			if m := s.nextMessage(t); m.Room != "bar" || m.Text != "in bar" {
				t.Fatalf("bob's bar message: %+v", m)
			}
		}
		if m := s.nextMessage(t); m.Text != "héllo ✓" || m.User != "bob" {
			t.Fatalf("last message: %+v", m)
		}
	}
	// Leaving stops the deliveries of that room.
	if r := call(t, "POST", n.URL()+"/rooms/bar/leave", chat.UserRequest{User: "bob"}); r.Status != http.StatusOK {
		t.Fatalf("leave: %d %s", r.Status, r.Body)
	}
	say(t, n.URL(), "bar", "carol", "bob has left")
	say(t, n.URL(), "foo", "carol", "still in foo")
	if m := bob.nextMessage(t); m.Text != "still in foo" {
		t.Fatalf("after leaving bar, bob got %+v", m)
	}
}

func TestGatewayLongPoll(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{PollWait: 50 * time.Millisecond}})
	join(t, n.URL(), "foo", "ann")

	// Nothing comes: [] once the wait is over.
	start := time.Now()
	r := do(t, "POST", n.URL()+"/poll/ann", nil)
	if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != "[]" {
		t.Fatalf("an empty poll: %d %s", r.Status, r.Body)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("the poll returned after %v, before its wait", d)
	}

	// What is waiting comes at once. A post is answered once the room has
	// numbered it; its delivery to ann's user actor, and to her inbox,
	// follows on its own: the poll is made once both wait there.
	say(t, n.URL(), "foo", "bob", "one")
	say(t, n.URL(), "foo", "bob", "two")
	eventually(t, "both messages wait in ann's inbox", func() bool { return n.Gateway.InboxOf("ann").Len() == 2 })
	var evs []chat.Event
	do(t, "POST", n.URL()+"/poll/ann", nil).Decode(t, &evs)
	if len(evs) != 2 || evs[0].Message.Text != "one" || evs[1].Message.Text != "two" {
		t.Fatalf("poll: %+v", evs)
	}
}

func TestGatewayLongPollWaitsForAMessage(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{PollWait: wait}})
	join(t, n.URL(), "foo", "ann")
	polled := make(chan reply, 1)
	go func() { polled <- do(t, "POST", n.URL()+"/poll/ann", nil) }()
	eventually(t, "the poll waits", func() bool { return n.Gateway.Clients() == 1 })
	say(t, n.URL(), "foo", "bob", "wake up")
	r := <-polled
	var evs []chat.Event
	r.Decode(t, &evs)
	if len(evs) != 1 || evs[0].Message.Text != "wake up" {
		t.Fatalf("poll: %+v", evs)
	}
}

func TestGatewayCreatesRooms(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	if r := call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: "baz"}); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	r := call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: "baz"})
	if r.Status != http.StatusConflict {
		t.Fatalf("create again: %d %s", r.Status, r.Body)
	}
	r.ErrorText(t)
	var rooms []chat.RoomInfo
	do(t, "GET", n.URL()+"/rooms", nil).Decode(t, &rooms)
	if len(rooms) != 3 || rooms[0].Name != "bar" || rooms[1].Name != "baz" || rooms[2].Name != "foo" {
		t.Fatalf("rooms: %+v", rooms)
	}
	join(t, n.URL(), "baz", "ann")
	say(t, n.URL(), "baz", "ann", "new room")
}

func TestGatewayServesThePageWithAPolicy(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	for _, path := range []string{"/", "/static/app.js", "/static/style.css"} {
		r := do(t, "GET", n.URL()+path, nil)
		if r.Status != http.StatusOK || len(r.Body) == 0 {
			t.Fatalf("GET %s: %d", path, r.Status)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Fatalf("GET %s: policy %q", path, csp)
		}
	}
	if r := do(t, "GET", n.URL()+"/static/nothing.js", nil); r.Status != http.StatusNotFound {
		t.Fatalf("a missing file: %d", r.Status)
	}
}

func TestGatewayCloseEndsStreamsAndPolls(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{PollWait: time.Hour}})
	s := openStream(t, n.URL(), "ann")
	polled := make(chan reply, 1)
	go func() { polled <- do(t, "POST", n.URL()+"/poll/bob", nil) }()
	eventually(t, "the poll waits", func() bool { return n.Gateway.Clients() == 2 })

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := n.Stop(ctx); err != nil { // the cleanup's Stop then does nothing
		t.Fatal(err)
	}
	for range s.C {
	}
	if r := <-polled; r.Status != http.StatusOK {
		t.Fatalf("a poll cut short by the stop: %d %s", r.Status, r.Body)
	}
}
