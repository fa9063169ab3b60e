package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/troupe-go/troupe/mailbox"
)

// Most events a stream writes in one go, and a poll answers with.
const (
	streamBatch = 64
	pollBatch   = 100
)

// events answers GET /users/{user}/events with a stream of server-sent
// events: one "data:" line of JSON per Event, a comment line as heartbeat.
// It spawns the user if there is none (the page then joins its room), and
// ends when the client goes, the gateway closes, the user stops, or a write
// has waited WriteTimeout for a client that does not read.
func (g *Gateway) events(w http.ResponseWriter, r *http.Request) {
	name, u, ctx, detach, ok := g.attach(w, r)
	if !ok {
		return
	}
	defer detach()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// retry: how soon the browser reconnects after the stream ends.
	if g.write(rc, w, []byte("retry: 1000\n\n")) != nil {
		return
	}
	for {
		wait, stop := context.WithTimeout(ctx, g.cfg.Heartbeat)
		evs, err := u.inbox.Next(wait, streamBatch)
		stop()
		var out []byte
		switch {
		case err == nil:
			out = appendEvents(nil, evs)
		case ctx.Err() != nil:
			return // the client went, or the gateway is closing
		case errors.Is(err, context.DeadlineExceeded):
			out = []byte(": ping\n\n")
		default:
			return // the user stopped: the client reconnects and gets a new one
		}
		if err := g.write(rc, w, out); err != nil {
			g.cfg.Logger.Debug("chat: event stream ends", "user", name, "err", err)
			return
		}
	}
}

// attach finds the user named in the path, spawning it if there is none,
// and attaches a client to it for the request's stream: ctx ends with the
// client or the gateway, and detach undoes it all. On failure it has
// written the error, and ok is false.
func (g *Gateway) attach(w http.ResponseWriter, r *http.Request) (name string, u *userEntry, ctx context.Context, detach func(), ok bool) {
	name = r.PathValue("user")
	if err := ValidName(name); err != nil {
		writeError(w, err)
		return
	}
	u, err := g.user(name, clientAddr(r))
	if err != nil {
		writeError(w, err)
		return
	}
	if err := g.openStream(u); err != nil {
		writeError(w, err)
		return
	}
	ctx, cancel := g.streamContext(r)
	if err := g.sys.SendContext(ctx, u.pid, Attach{}); err != nil {
		cancel()
		g.closeStream(u)
		writeError(w, userErr(err))
		return
	}
	return name, u, ctx, func() {
		g.closeStream(u)
		g.sys.TrySend(u.pid, Detach{})
		cancel()
	}, true
}

// openStream counts a stream of u, unless u or the gateway has as many as
// it may: each costs a handler and a connection for as long as it lasts.
func (g *Gateway) openStream(u *userEntry) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.streams >= g.cfg.MaxStreams {
		return &httpError{status: http.StatusServiceUnavailable, retryAfter: 5,
			err: fmt.Errorf("%w: %d on this gateway at most", ErrTooManyStreams, g.cfg.MaxStreams)}
	}
	if u.streams >= g.cfg.StreamsPerUser {
		return fmt.Errorf("%w: %d per user at most", ErrTooManyStreams, g.cfg.StreamsPerUser)
	}
	g.streams++
	u.streams++
	return nil
}

// closeStream undoes openStream.
func (g *Gateway) closeStream(u *userEntry) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.streams--
	u.streams--
}

// appendEvents formats evs as server-sent events.
func appendEvents(b []byte, evs []Event) []byte {
	for _, e := range evs {
		j, _ := json.Marshal(e)
		b = append(b, "data: "...)
		b = append(b, j...)
		b = append(b, "\n\n"...)
	}
	return b
}

// write sends b and flushes it, giving up after WriteTimeout.
func (g *Gateway) write(rc *http.ResponseController, w http.ResponseWriter, b []byte) error {
	if err := rc.SetWriteDeadline(time.Now().Add(g.cfg.WriteTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	return rc.Flush()
}

// poll answers POST /poll/{user}, the long poll of clients without
// server-sent events: the events waiting, or those that come within
// PollWait, or [] when none does.
func (g *Gateway) poll(w http.ResponseWriter, r *http.Request) {
	_, u, ctx, detach, ok := g.attach(w, r)
	if !ok {
		return
	}
	defer detach()

	wait, stop := context.WithTimeout(ctx, g.cfg.PollWait)
	defer stop()
	evs, err := u.inbox.Next(wait, pollBatch)
	switch {
	case errors.Is(err, mailbox.ErrClosed):
		writeError(w, ErrUserGone)
		return
	case err != nil:
		evs = []Event{}
	}
	writeJSON(w, http.StatusOK, evs)
}
