package chat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// ClientConfig configures RunClient, the terminal client.
type ClientConfig struct {
	// Gateway is the base URL of a gateway, such as http://127.0.0.1:8080.
	Gateway string
	// Room is the room to join, and Name the person's name in it.
	Room, Name string
	// In gives the lines to say; Out gets the messages and notices.
	In  io.Reader
	Out io.Writer
	// HTTP makes the requests. Nil means a client of its own.
	HTTP *http.Client
	// Reconnect is the first pause before opening a broken event stream
	// again; it doubles up to 10 s. Zero means one second.
	Reconnect time.Duration
}

// RunClient joins a room through a gateway, prints its backlog and then
// every event of the person's stream, and posts each line read from In.
// When the stream breaks (the node restarted), or the room goes away, it
// reconnects and joins again, and says so when the room it finds was made
// anew, its history lost. It returns nil when In ends, ctx.Err() when ctx is done first,
// and an error if the first join fails. The goroutine that reads In ends
// when In does.
func RunClient(ctx context.Context, cfg ClientConfig) error {
	if err := ValidName(cfg.Name); err != nil {
		return err
	}
	if err := ValidName(cfg.Room); err != nil {
		return err
	}
	if cfg.In == nil || cfg.Out == nil {
		return errors.New("chat: RunClient needs In and Out")
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{}
	}
	if cfg.Reconnect <= 0 {
		cfg.Reconnect = time.Second
	}
	cl := &client{cfg: cfg, base: strings.TrimRight(cfg.Gateway, "/")}
	if err := cl.join(ctx); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	streamed := make(chan struct{})
	go func() {
		defer close(streamed)
		cl.stream(ctx)
	}()
	defer func() { cancel(); <-streamed }()

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(cfg.In)
		sc.Buffer(make([]byte, 0, 4096), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			if strings.TrimSpace(line) == "" {
				continue
			}
			if err := cl.say(ctx, line); err != nil {
				cl.printf("-- not sent: %v\n", err)
			}
		}
	}
}

// client is the state of RunClient.
type client struct {
	cfg  ClientConfig
	base string

	mu      sync.Mutex // serialises Out and guards epoch and lastSeq
	epoch   int64      // of the room joined last
	lastSeq uint64
}

func (cl *client) printf(format string, args ...any) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	fmt.Fprintf(cl.cfg.Out, format, args...)
}

// printMessage prints m unless it has been printed already.
func (cl *client) printMessage(m Message) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if m.Seq <= cl.lastSeq {
		return
	}
	cl.lastSeq = m.Seq
	fmt.Fprintf(cl.cfg.Out, "%s %s: %s\n", time.UnixMilli(m.At).Format("15:04:05"), printable(m.User), printable(m.Text))
}

// printable returns s with its control characters (ESC, BEL, CR, a
// newline...) and bidirectional overrides written as escapes, such as
// \x1b: a terminal obeys them, so another person's text could clear the
// screen, retitle the window, or overwrite a line with a fake one.
func printable(s string) string {
	if !strings.ContainsFunc(s, unsafeRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1]) // without its quotes
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// call makes one API request and decodes its JSON answer into out.
func (cl *client) call(ctx context.Context, method, path string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, cl.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := cl.cfg.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		var e errorBody
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s (%d)", printable(e.Error), res.StatusCode)
		}
		return fmt.Errorf("%s", printable(res.Status))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// join joins the room and prints the part of the backlog not seen yet.
func (cl *client) join(ctx context.Context) error {
	var res JoinResponse
	err := cl.call(ctx, http.MethodPost, "/rooms/"+url.PathEscape(cl.cfg.Room)+"/join",
		UserRequest{User: cl.cfg.Name}, &res)
	if err != nil {
		return fmt.Errorf("join %s: %w", cl.cfg.Room, err)
	}
	cl.mu.Lock()
	if res.Epoch != cl.epoch {
		if cl.epoch != 0 {
			fmt.Fprintf(cl.cfg.Out, "-- room %s was made anew: its earlier history was lost\n", printable(cl.cfg.Room))
		}
		cl.epoch, cl.lastSeq = res.Epoch, 0 // a new room: its numbering starts again
	}
	cl.mu.Unlock()
	for _, m := range res.Backlog {
		cl.printMessage(m)
	}
	return nil
}

func (cl *client) say(ctx context.Context, text string) error {
	return cl.call(ctx, http.MethodPost, "/rooms/"+url.PathEscape(cl.cfg.Room)+"/messages",
		PostRequest{User: cl.cfg.Name, Text: text}, nil)
}

// stream follows the person's events until ctx is done, reconnecting and
// joining again whenever the stream breaks.
func (cl *client) stream(ctx context.Context) {
	pause := cl.cfg.Reconnect
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, 10*time.Second)
		}
		err := cl.follow(ctx, !first, func() { pause = cl.cfg.Reconnect })
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errRoomGone):
			cl.printf("-- joining #%s again when it is back\n", printable(cl.cfg.Room))
		default:
			cl.printf("-- disconnected (%v); reconnecting\n", err)
		}
	}
}

// follow reads one event stream until it ends. rejoin says to join the room
// again once the stream is open; connected is called then.
func (cl *client) follow(ctx context.Context, rejoin bool, connected func()) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		cl.base+"/users/"+url.PathEscape(cl.cfg.Name)+"/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	res, err := cl.cfg.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("events: %s", res.Status)
	}
	connected()
	if rejoin {
		if err := cl.join(ctx); err != nil {
			return err
		}
		cl.printf("-- reconnected to #%s\n", cl.cfg.Room)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue // blank separators, retry: and heartbeat comments
		}
		var ev Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			return err
		}
		if cl.show(ev) {
			return errRoomGone
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// errRoomGone ends a stream whose room went away: the client follows
// the stream anew and joins the room again (on a cluster it comes back on
// another member; else once someone makes it again).
var errRoomGone = errors.New("the room went away")

// show prints one event of the stream, and reports whether it says the
// room went away.
func (cl *client) show(ev Event) (gone bool) {
	if ev.Room != "" && ev.Room != cl.cfg.Room {
		return false
	}
	switch ev.Type {
	case EventMessage:
		if ev.Message != nil {
			cl.printMessage(*ev.Message)
		}
	case EventMissed:
		cl.printf("-- missed %d messages\n", ev.Missed)
	case EventGone:
		cl.printf("-- room %s went away\n", ev.Room)
		return true
	}
	return false
}
