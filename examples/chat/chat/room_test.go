package chat_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/examples/chat/chat"
)

// newSystem returns a System shut down at the end of the test, with the
// panic logs of deliberately broken rooms kept out of the test output.
func newSystem(t testing.TB) *actor.System {
	t.Helper()
	sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := sys.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return sys
}

// ask makes a request with the test's bound.
func ask(t testing.TB, sys *actor.System, pid actor.PID, msg any) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	v, err := sys.Request(ctx, pid, msg)
	if err != nil {
		t.Fatalf("request %T to %v: %v", msg, pid, err)
	}
	return v
}

// fakeUser is an actor standing in for a user: what rooms send it comes
// out on C.
func fakeUser(t testing.TB, sys *actor.System, opts ...actor.Option) (actor.PID, chan any) {
	t.Helper()
	c := make(chan any, 1024)
	pid, err := sys.SpawnFunc(func(ctx *actor.Context) {
		switch m := ctx.Message().(type) {
		case chat.Delivery, chat.Missed:
			c <- m
		}
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return pid, c
}

func recv(t testing.TB, c chan any) any {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		t.Fatal("nothing received in time")
	}
	return nil
}

func spawnRoom(t testing.TB, sys *actor.System, name string, cfg chat.RoomConfig) actor.PID {
	t.Helper()
	pid, err := sys.Spawn(chat.NewRoom(name, cfg), actor.WithName(chat.RoomID(name)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func post(t testing.TB, sys *actor.System, room actor.PID, user, text string) chat.Message {
	t.Helper()
	return ask(t, sys, room, chat.Post{User: user, Text: text}).(chat.Posted).Message
}

func TestRoomKeepsTheLast25MessagesOldestFirst(t *testing.T) {
	sys := newSystem(t)
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{})
	for i := 1; i <= 30; i++ {
		if m := post(t, sys, room, "ann", fmt.Sprint("m", i)); m.Seq != uint64(i) || m.Room != "foo" {
			t.Fatalf("post %d numbered %+v", i, m)
		}
	}
	b := ask(t, sys, room, chat.GetBacklog{}).(chat.Backlog)
	if len(b.Messages) != chat.DefaultBacklog {
		t.Fatalf("backlog has %d messages, want %d", len(b.Messages), chat.DefaultBacklog)
	}
	for i, m := range b.Messages {
		if want := fmt.Sprint("m", i+6); m.Text != want || m.Seq != uint64(i+6) {
			t.Fatalf("backlog[%d] = %+v, want %s", i, m, want)
		}
	}
}

func TestRoomFansEachPostOutOnceAndJoinedHasNoGap(t *testing.T) {
	sys := newSystem(t)
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{})
	post(t, sys, room, "ann", "before")

	a, ca := fakeUser(t, sys)
	b, cb := fakeUser(t, sys)
	for _, u := range []actor.PID{a, b} {
		j := ask(t, sys, room, chat.Join{User: u, Name: u.ID}).(chat.Joined)
		if len(j.Backlog) != 1 || j.Backlog[0].Text != "before" {
			t.Fatalf("joined with backlog %+v", j.Backlog)
		}
	}
	for i := 1; i <= 3; i++ {
		post(t, sys, room, "ann", fmt.Sprint("after", i))
	}
	for _, c := range []chan any{ca, cb} {
		for i := 1; i <= 3; i++ {
			d := recv(t, c).(chat.Delivery)
			if d.Message.Text != fmt.Sprint("after", i) || d.Message.Seq != uint64(i+1) || d.Missed != 0 {
				t.Fatalf("delivery %d: %+v", i, d)
			}
		}
	}
	// Nothing more: a Request to the room is handled after its fan-out,
	// and the users' mailboxes then hold all the room sent them.
	post(t, sys, room, "ann", "last")
	for _, c := range []chan any{ca, cb} {
		if d := recv(t, c).(chat.Delivery); d.Message.Text != "last" {
			t.Fatalf("got %+v, want the last post and no duplicate", d)
		}
	}
}

func TestRoomUnsubscribesAUserThatStops(t *testing.T) {
	sys := newSystem(t)
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{MaxUsers: 1})
	a, _ := fakeUser(t, sys)
	if _, ok := ask(t, sys, room, chat.Join{User: a, Name: "a"}).(chat.Joined); !ok {
		t.Fatal("the first user was refused")
	}
	b, cb := fakeUser(t, sys)
	if r, ok := ask(t, sys, room, chat.Join{User: b, Name: "b"}).(chat.Refused); !ok {
		t.Fatal("a full room took a second user")
	} else if r.Reason == "" {
		t.Fatal("a refusal without a reason")
	}

	if err := sys.Stop(a); err != nil {
		t.Fatal(err)
	}
	// The room hears Terminated in its system lane, ahead of any Join.
	eventually(t, "the room unsubscribes the user that stopped", func() bool {
		_, ok := ask(t, sys, room, chat.Join{User: b, Name: "b"}).(chat.Joined)
		return ok
	})
	post(t, sys, room, "b", "hello")
	if d := recv(t, cb).(chat.Delivery); d.Message.Text != "hello" {
		t.Fatalf("got %+v", d)
	}
}

func TestRoomRestartsAfterAMalformedPostWithItsBacklogAndUsers(t *testing.T) {
	sys := newSystem(t)
	restarted := make(chan actor.ActorRestarted, 1)
	defer sys.Subscribe(func(e actor.Event) {
		if r, ok := e.(actor.ActorRestarted); ok {
			restarted <- r
		}
	})()
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{})
	u, cu := fakeUser(t, sys)
	ask(t, sys, room, chat.Join{User: u, Name: "u"})
	for i := 1; i <= 3; i++ {
		post(t, sys, room, "ann", fmt.Sprint("m", i))
		recv(t, cu)
	}

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := sys.Request(ctx, room, chat.Post{User: "ann", Text: ""}) // malformed: no text
	var perr *actor.PanicError
	if !errors.Is(err, actor.ErrNoReply) || !errors.As(err, &perr) || !errors.Is(err, chat.ErrEmptyText) {
		t.Fatalf("a malformed post answered %v, want the room's panic", err)
	}
	select {
	case r := <-restarted:
		if r.PID != room {
			t.Fatalf("%v restarted, want the room", r.PID)
		}
	case <-time.After(wait):
		t.Fatal("the room was not restarted")
	}

	b := ask(t, sys, room, chat.GetBacklog{}).(chat.Backlog)
	if len(b.Messages) != 3 || b.Messages[2].Text != "m3" {
		t.Fatalf("backlog after the restart: %+v", b.Messages)
	}
	if m := post(t, sys, room, "ann", "m4"); m.Seq != 4 {
		t.Fatalf("the numbering started again: %+v", m)
	}
	if d := recv(t, cu).(chat.Delivery); d.Message.Text != "m4" {
		t.Fatalf("the subscriber got %+v after the restart", d)
	}
}

func TestRoomCountsWhatAFullMailboxMissed(t *testing.T) {
	sys := newSystem(t)
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{Retry: 5 * time.Millisecond})

	// A user stuck in its first delivery, with room for one more message.
	stuck := make(chan struct{})
	got := make(chan any, 1024)
	u, err := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case chat.Delivery:
			got <- m
			<-stuck
		case chat.Missed:
			got <- m
		}
	}, actor.WithMailboxSize(1))
	if err != nil {
		t.Fatal(err)
	}
	ask(t, sys, room, chat.Join{User: u, Name: "u"})

	const n = 20
	post(t, sys, room, "ann", "m1")
	recv(t, got) // the user is now stuck in m1
	for i := 2; i <= n; i++ {
		post(t, sys, room, "ann", fmt.Sprint("m", i))
	}
	close(stuck)

	// Each message after m1 arrives, or is counted: by a later delivery or
	// by a Missed notice from the room's retry timer.
	delivered, missed := 1, 0
	seen := map[uint64]bool{1: true}
	for delivered+missed < n {
		switch m := recv(t, got).(type) {
		case chat.Delivery:
			if seen[m.Message.Seq] {
				t.Fatalf("message %d delivered twice", m.Message.Seq)
			}
			seen[m.Message.Seq] = true
			delivered++
			missed += m.Missed
		case chat.Missed:
			missed += m.Count
		}
	}
	if delivered+missed != n || missed == 0 {
		t.Fatalf("%d delivered + %d missed, want %d with some missed", delivered, missed, n)
	}
}
