package chat_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

func TestBadInputIsRefusedWithAJSONError(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	post := func(room string, body string) func() reply {
		return func() reply { return do(t, "POST", n.URL()+"/rooms/"+room+"/messages", []byte(body)) }
	}
	cases := []struct {
		name   string
		req    func() reply
		status int
		says   string
	}{
		{"empty text", post("foo", `{"user":"ann","text":""}`), 400, "empty"},
		{"only spaces", post("foo", `{"user":"ann","text":" \n\t "}`), 400, "empty"},
		{"text over 4 KiB", post("foo", `{"user":"ann","text":"`+strings.Repeat("x", chat.MaxText+1)+`"}`), 413, "too long"},
		{"text over 4 KiB in multibyte runes", post("foo", `{"user":"ann","text":"`+strings.Repeat("é", chat.MaxText/2+1)+`"}`), 413, "too long"},
		{"invalid UTF-8", post("foo", "{\"user\":\"ann\",\"text\":\"bad \xff\xfe bytes\"}"), 400, "UTF-8"},
		{"invalid UTF-8 in the name", post("foo", "{\"user\":\"a\xc3\",\"text\":\"hi\"}"), 400, "UTF-8"},
		{"not JSON", post("foo", `user=ann&text=hi`), 400, "bad JSON"},
		{"two JSON values", post("foo", `{"user":"ann","text":"hi"}{}`), 400, "bad JSON"},
		{"unknown field", post("foo", `{"user":"ann","text":"hi","admin":true}`), 400, "bad JSON"},
		{"body over the limit", post("foo", `{"user":"ann","text":"`+strings.Repeat("x", 64*1024)+`"}`), 413, "too large"},
		{"no user", post("foo", `{"text":"hi"}`), 400, "bad name"},
		{"user name with markup", post("foo", `{"user":"<b>ann</b>","text":"hi"}`), 400, "bad name"},
		{"user name too long", post("foo", `{"user":"`+strings.Repeat("a", chat.MaxName+1)+`","text":"hi"}`), 400, "bad name"},
		{"unknown room", post("nowhere", `{"user":"ann","text":"hi"}`), 404, "unknown room"},
		{"bad room name", post("no%20where", `{"user":"ann","text":"hi"}`), 400, "bad name"},
		{"backlog of an unknown room", func() reply { return do(t, "GET", n.URL()+"/rooms/nowhere/backlog", nil) }, 404, "unknown room"},
		{"join an unknown room", func() reply {
			return call(t, "POST", n.URL()+"/rooms/nowhere/join", chat.UserRequest{User: "ann"})
		}, 404, "unknown room"},
		{"events of a bad name", func() reply { return do(t, "GET", n.URL()+"/users/a%20b/events", nil) }, 400, "bad name"},
		{"poll of a bad name", func() reply { return do(t, "POST", n.URL()+"/poll/a%20b", nil) }, 400, "bad name"},
		{"create a room with a bad name", func() reply {
			return call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: "a/b"})
		}, 400, "bad name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req()
			if r.Status != c.status {
				t.Fatalf("status %d %s, want %d", r.Status, r.Body, c.status)
			}
			if msg := r.ErrorText(t); !strings.Contains(msg, c.says) {
				t.Fatalf("error %q does not say %q", msg, c.says)
			}
		})
	}
	// The largest text that is allowed goes through.
	say(t, n.URL(), "foo", "ann", strings.Repeat("é", chat.MaxText/2))
}

// "." and ".." are not names: in a URL path they mean "here" and "up", so
// no request could name such a room or user, and a room of that name would
// hold a place for good.
func TestDotNamesAreRefused(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Directory: chat.DirectoryConfig{Rooms: []string{"foo"}, MaxRooms: 4}})
	for _, name := range []string{".", ".."} {
		r := call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: name})
		if r.Status != http.StatusBadRequest || !strings.Contains(r.ErrorText(t), "not a name") {
			t.Fatalf("create room %q: %d %s", name, r.Status, r.Body)
		}
		if err := chat.ValidName(name); !errors.Is(err, chat.ErrBadName) {
			t.Fatalf("ValidName(%q) = %v", name, err)
		}
	}
	// Names that only hold dots beside other characters are fine.
	for _, name := range []string{"...", ".foo", "a..b"} {
		if r := call(t, "POST", n.URL()+"/rooms", chat.RoomRequest{Name: name}); r.Status != http.StatusCreated {
			t.Fatalf("create room %q: %d %s", name, r.Status, r.Body)
		}
		join(t, n.URL(), name, "ann")
		say(t, n.URL(), name, "ann", "in "+name)
	}
	if _, err := chat.SpawnDirectory(n.System, chat.DirectoryConfig{Rooms: []string{".."}}); !errors.Is(err, chat.ErrBadName) {
		t.Fatalf("a directory with a room called ..: %v", err)
	}
}

func TestRoomFullIsAConflict(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Directory: chat.DirectoryConfig{
		Rooms: []string{"foo"}, Room: chat.RoomConfig{MaxUsers: 2}}})
	join(t, n.URL(), "foo", "ann")
	join(t, n.URL(), "foo", "bob")
	join(t, n.URL(), "foo", "ann") // joining again takes no second place
	r := call(t, "POST", n.URL()+"/rooms/foo/join", chat.UserRequest{User: "carol"})
	if r.Status != http.StatusConflict || !strings.Contains(r.ErrorText(t), "full") {
		t.Fatalf("a third user: %d %s", r.Status, r.Body)
	}
	// Carol may still post; she just does not hear the room.
	say(t, n.URL(), "foo", "carol", "let me in")
}

func TestTooManyUsersOnAGateway(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{MaxUsers: 2, User: fast}})
	join(t, n.URL(), "foo", "ann")
	join(t, n.URL(), "foo", "bob")
	r := call(t, "POST", n.URL()+"/rooms/foo/join", chat.UserRequest{User: "carol"})
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("a third user: %d %s", r.Status, r.Body)
	}
	r.ErrorText(t)
	say(t, n.URL(), "foo", "ann", "the others go on")
}

func TestAFloodFromOneUserIsRateLimitedAlone(t *testing.T) {
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{
		User: chat.UserConfig{Rate: 0.01, Burst: 5}}})
	bob := openStream(t, n.URL(), "bob")
	join(t, n.URL(), "foo", "bob")

	ok, limited := 0, 0
	for i := 0; i < 50; i++ {
		r := call(t, "POST", n.URL()+"/rooms/foo/messages", chat.PostRequest{User: "mallory", Text: fmt.Sprint("spam ", i)})
		switch r.Status {
		case http.StatusCreated:
			ok++
		case http.StatusTooManyRequests:
			limited++
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			r.ErrorText(t)
		default:
			t.Fatalf("post %d: %d %s", i, r.Status, r.Body)
		}
	}
	if ok != 5 || limited != 45 {
		t.Fatalf("%d posts went through and %d were limited, want 5 and 45", ok, limited)
	}
	// Somebody else is not limited, and bob heard exactly the 5 and them.
	say(t, n.URL(), "foo", "alice", "I can still talk")
	for i := 0; i < 5; i++ {
		if m := bob.nextMessage(t); m.User != "mallory" {
			t.Fatalf("got %+v", m)
		}
	}
	if m := bob.nextMessage(t); m.User != "alice" {
		t.Fatalf("got %+v, want alice", m)
	}
}

// A client that opens its stream and never reads costs at most its inbox,
// and is cut off after the write timeout; a reader beside it gets
// everything.
func TestAClientThatNeverReadsIsCutOffAndNobodyElseWaits(t *testing.T) {
	const queue = 16
	n := startNode(t, chat.NodeConfig{Gateway: chat.GatewayConfig{
		// Long enough that the reader, which reads all along, is never
		// cut off on a busy machine; short enough to keep the test quick.
		WriteTimeout: time.Second,
		User:         chat.UserConfig{Queue: queue, Rate: 1e6, Burst: 1e6},
	}})

	// The sleeper: a raw connection with a small receive buffer, which
	// reads nothing after the request.
	d := net.Dialer{Timeout: wait}
	conn, err := d.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /users/sleeper/events HTTP/1.1\r\nHost: %s\r\n\r\n", n.Addr())
	eventually(t, "the sleeper's stream opens", func() bool { return n.Gateway.Clients() == 1 })
	join(t, n.URL(), "foo", "sleeper")

	reader := openStream(t, n.URL(), "reader")
	join(t, n.URL(), "foo", "reader")

	// Post big messages in rounds, each after the reader has caught up,
	// until the sleeper's stream has been cut off.
	text := strings.Repeat("z", chat.MaxText)
	seq := uint64(0)
	for round := 0; n.Gateway.Clients() > 1; round++ {
		if round == 2000 {
			t.Fatal("the sleeper was never cut off")
		}
		for i := 0; i < 8; i++ {
			seq = say(t, n.URL(), "foo", "writer", text).Seq
		}
		for {
			ev := reader.next(t)
			if ev.Type != chat.EventMessage {
				t.Fatalf("the reader got %+v", ev)
			}
			if ev.Message.Seq == seq {
				break
			}
		}
		if in := n.Gateway.InboxOf("sleeper"); in != nil && in.Len() > in.Cap() {
			t.Fatalf("the sleeper's inbox holds %d events, over its capacity %d", in.Len(), in.Cap())
		}
	}
	t.Logf("the sleeper was cut off after %d messages of %d bytes", seq, len(text))
	say(t, n.URL(), "foo", "writer", "after the cut")
	if m := reader.nextMessage(t); m.Text != "after the cut" {
		t.Fatalf("the reader got %+v", m)
	}
}
