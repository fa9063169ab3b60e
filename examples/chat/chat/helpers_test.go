package chat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/examples/chat/internal/chattest"
)

// The shared helpers of package chattest, under the short names these
// tests use.
const wait = chattest.Wait

type reply = chattest.Reply

var (
	client     = chattest.Client
	fast       = chattest.Fast
	startNode  = chattest.StartNode
	do         = chattest.Do
	call       = chattest.Call
	eventually = chattest.Eventually
	roomsOf    = chattest.RoomsOf
	knows      = chattest.Knows
)

// startCluster starts one networked node per entry of rooms, hosting those
// rooms, and introduces them to each other. It returns once every gateway
// knows every room.
func startCluster(t *testing.T, rooms ...[]string) []*chat.Node {
	t.Helper()
	return chattest.StartCluster(t, chat.GatewayConfig{}, rooms...)
}

// startClusterWith is startCluster with gateways configured by g.
var startClusterWith = chattest.StartCluster

// join joins user to room through the gateway at base and returns the
// backlog.
func join(t testing.TB, base, room, user string) []chat.Message {
	t.Helper()
	return joinEpoch(t, base, room, user).Backlog
}

// joinEpoch joins user to room through the gateway at base, and returns
// the room's epoch and backlog.
func joinEpoch(t testing.TB, base, room, user string) chat.JoinResponse {
	t.Helper()
	r := call(t, "POST", base+"/rooms/"+room+"/join", chat.UserRequest{User: user})
	if r.Status != http.StatusOK {
		t.Fatalf("join %s as %s: %d %s", room, user, r.Status, r.Body)
	}
	var jr chat.JoinResponse
	r.Decode(t, &jr)
	return jr
}

// say posts text to room as user and returns the message as numbered.
func say(t testing.TB, base, room, user, text string) chat.Message {
	t.Helper()
	r := call(t, "POST", base+"/rooms/"+room+"/messages", chat.PostRequest{User: user, Text: text})
	if r.Status != http.StatusCreated {
		t.Fatalf("post to %s as %s: %d %s", room, user, r.Status, r.Body)
	}
	var m chat.Message
	r.Decode(t, &m)
	return m
}

// stream is a client of a user's event stream: its events arrive on C.
type stream struct {
	C    chan chat.Event
	done chan error
	stop context.CancelFunc
}

// openStream opens user's event stream at base; it is closed at the end
// of the test. It returns once the stream is open, so that what follows
// reaches it.
func openStream(t testing.TB, base, user string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/users/"+user+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		res.Body.Close()
		t.Fatalf("events of %s: %s %s", user, res.Status, res.Header.Get("Content-Type"))
	}
	s := &stream{C: make(chan chat.Event, 1024), done: make(chan error, 1), stop: cancel}
	go func() {
		defer res.Body.Close()
		defer close(s.C)
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev chat.Event
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				s.done <- err
				return
			}
			select {
			case s.C <- ev:
			case <-ctx.Done():
				s.done <- nil
				return
			}
		}
		s.done <- sc.Err()
	}()
	t.Cleanup(s.close)
	return s
}

// close ends the stream and waits for its reader.
func (s *stream) close() {
	s.stop()
	for range s.C {
	}
}

// next returns the next event, failing the test if none comes in time.
func (s *stream) next(t testing.TB) chat.Event {
	t.Helper()
	select {
	case ev, ok := <-s.C:
		if !ok {
			t.Fatalf("the stream ended: %v", <-s.done)
		}
		return ev
	case <-time.After(wait):
		t.Fatal("no event in time")
	}
	return chat.Event{}
}

// nextMessage returns the next message, failing on any other event.
func (s *stream) nextMessage(t testing.TB) chat.Message {
	t.Helper()
	ev := s.next(t)
	if ev.Type != chat.EventMessage || ev.Message == nil {
		t.Fatalf("got event %+v, want a message", ev)
	}
	return *ev.Message
}
