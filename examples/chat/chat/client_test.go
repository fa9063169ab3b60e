package chat_test

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/troupe-go/troupe/examples/chat/chat"
)

// terminal runs RunClient with pipes for its input and output.
type terminal struct {
	in    *io.PipeWriter
	lines chan string
	done  chan error
}

func runClient(t *testing.T, base, room, name string) *terminal {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	term := &terminal{in: inW, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		err := chat.RunClient(context.Background(), chat.ClientConfig{
			Gateway: base, Room: room, Name: name, In: inR, Out: outW,
			Reconnect: 20 * time.Millisecond,
		})
		outW.Close()
		term.done <- err
	}()
	go func() {
		defer close(term.lines)
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			term.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		if err := <-term.done; err != nil {
			t.Errorf("client: %v", err)
		}
		for range term.lines {
		}
	})
	return term
}

// expect waits for a line of output that contains want, and returns it.
func (term *terminal) expect(t *testing.T, want string) string {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case line, ok := <-term.lines:
			if !ok {
				t.Fatalf("the client ended before printing %q", want)
			}
			if strings.Contains(line, want) {
				return line
			}
		case <-timeout:
			t.Fatalf("the client did not print %q", want)
		}
	}
}

func (term *terminal) say(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(term.in, line+"\n"); err != nil {
		t.Fatal(err)
	}
}

func TestClientReadsAndWritesLines(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	say(t, n.URL(), "foo", "bob", "from the backlog")
	term := runClient(t, n.URL(), "foo", "ann")
	term.expect(t, "bob: from the backlog")

	bob := openStream(t, n.URL(), "bob")
	join(t, n.URL(), "foo", "bob")
	term.say(t, "hello from the terminal")
	if m := bob.nextMessage(t); m.User != "ann" || m.Text != "hello from the terminal" {
		t.Fatalf("bob got %+v", m)
	}
	term.expect(t, "ann: hello from the terminal") // its own line, from its stream

	say(t, n.URL(), "foo", "bob", "hi ann")
	term.expect(t, "bob: hi ann")

	term.say(t, strings.Repeat("x", chat.MaxText+1))
	term.expect(t, "-- not sent: text is too long")
}

func TestClientFailsToJoinAnUnknownRoom(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	err := chat.RunClient(context.Background(), chat.ClientConfig{
		Gateway: n.URL(), Room: "nowhere", Name: "ann", In: strings.NewReader(""), Out: io.Discard,
	})
	if err == nil || !strings.Contains(err.Error(), "unknown room") {
		t.Fatalf("RunClient: %v", err)
	}
}

// A node restarts on the same address: the client's stream breaks, it
// reconnects, joins the new room foo and goes on.
func TestClientReconnectsAfterANodeRestart(t *testing.T) {
	first, err := chat.StartNode(chat.NodeConfig{Directory: chat.DirectoryConfig{Rooms: []string{"foo"}}})
	if err != nil {
		t.Fatal(err)
	}
	addr, base := first.Addr(), first.URL()
	term := runClient(t, base, "foo", "ann")
	say(t, base, "foo", "bob", "before the restart")
	term.expect(t, "bob: before the restart")

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := first.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	term.expect(t, "-- disconnected")
	second := startNode(t, chat.NodeConfig{HTTP: addr, Directory: chat.DirectoryConfig{Rooms: []string{"foo"}}})
	term.expect(t, "-- reconnected to #foo")
	say(t, second.URL(), "foo", "bob", "after the restart")
	term.expect(t, "bob: after the restart")
}

// Text from others reaches the terminal with its control characters
// escaped: it cannot clear the screen, retitle the window, ring the bell,
// or go back to the start of the line and print a fake message.
func TestClientEscapesControlCharacters(t *testing.T) {
	n := startNode(t, chat.NodeConfig{})
	term := runClient(t, n.URL(), "foo", "ann")
	bob := openStream(t, n.URL(), "bob")
	join(t, n.URL(), "foo", "bob")
	const evil = "\x1b]0;pwned\x07\x1b[2J\r12:00:00 carol: fake\nline \u202Egnp.exe \u009b31m"
	say(t, n.URL(), "foo", "mallory", evil)
	bob.nextMessage(t)
	term.say(t, "after it") // ann's own line comes back after mallory's
	var got []string
	for {
		line := term.expect(t, "")
		got = append(got, line)
		if strings.Contains(line, "ann: after it") {
			break
		}
	}
	for _, line := range got {
		if i := strings.IndexFunc(line, func(r rune) bool {
			return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u202e'
		}); i >= 0 {
			t.Fatalf("the terminal got a control character %q: %q", line[i:i+1], line)
		}
	}
	want := `mallory: \x1b]0;pwned\a\x1b[2J\r12:00:00 carol: fake\nline \u202egnp.exe \u009b31m`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Fatalf("the terminal shows %q, want a line with %q", got, want)
	}
}
