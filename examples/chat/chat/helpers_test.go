package chat_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// wait bounds every wait of these tests: long enough for a busy CI
// machine under the race detector, short enough to fail instead of hang.
const wait = 15 * time.Second

// client makes the tests' requests. It keeps enough idle connections for
// the load test's users, and none outlives the node that served it.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}

// fast is a user config whose rate limit does not get in a test's way.
var fast = chat.UserConfig{Rate: 1000, Burst: 1000}

// startNode starts a node, stopped at the end of the test. Nil
// Directory.Rooms means rooms foo and bar; an empty list, none.
func startNode(t testing.TB, cfg chat.NodeConfig) *chat.Node {
	t.Helper()
	if cfg.Directory.Rooms == nil {
		cfg.Directory.Rooms = []string{"foo", "bar"}
	}
	if cfg.Gateway.User == (chat.UserConfig{}) {
		cfg.Gateway.User = fast
	}
	n, err := chat.StartNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := n.Stop(ctx); err != nil {
			t.Errorf("stop node: %v", err)
		}
	})
	return n
}

// reply is an HTTP answer, read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// decode decodes the answer's JSON body into v.
func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorText returns the "error" of a JSON error body, failing the test if
// the body is not one.
func (r reply) errorText(t testing.TB) string {
	t.Helper()
	var e struct {
		Error  string `json:"error"`
		Status int    `json:"status"`
	}
	r.decode(t, &e)
	if e.Error == "" || e.Status != r.status {
		t.Fatalf("error body %s does not tell the error and the status %d", r.body, r.status)
	}
	return e.Error
}

// do makes a request with a raw body and reads the answer.
func do(t testing.TB, method, url string, body []byte) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// call makes a request with v as its JSON body.
func call(t testing.TB, method, url string, v any) reply {
	t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	return do(t, method, url, body)
}

// join joins user to room through the gateway at base and returns the
// backlog.
func join(t testing.TB, base, room, user string) []chat.Message {
	t.Helper()
	r := call(t, "POST", base+"/rooms/"+room+"/join", chat.UserRequest{User: user})
	if r.status != http.StatusOK {
		t.Fatalf("join %s as %s: %d %s", room, user, r.status, r.body)
	}
	var jr chat.JoinResponse
	r.decode(t, &jr)
	return jr.Backlog
}

// say posts text to room as user and returns the message as numbered.
func say(t testing.TB, base, room, user, text string) chat.Message {
	t.Helper()
	r := call(t, "POST", base+"/rooms/"+room+"/messages", chat.PostRequest{User: user, Text: text})
	if r.status != http.StatusCreated {
		t.Fatalf("post to %s as %s: %d %s", room, user, r.status, r.body)
	}
	var m chat.Message
	r.decode(t, &m)
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

// eventually waits until cond holds, checking it every few milliseconds,
// and fails the test if it does not hold within the wait. It is for states
// that no event announces (a handler has returned).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
