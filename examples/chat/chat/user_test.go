package chat_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/examples/chat/chat"
	"github.com/troupe-go/troupe/mailbox"
)

func spawnUser(t testing.TB, sys *actor.System, inbox *chat.Inbox, cfg chat.UserConfig, onStop func()) actor.PID {
	t.Helper()
	pid, err := sys.Spawn(chat.NewUser("ann", inbox, cfg, onStop))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func next(t testing.TB, in *chat.Inbox) []chat.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	evs, err := in.Next(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestUserInboxDropsTheOldestAndTellsHowManyWereMissed(t *testing.T) {
	sys := newSystem(t)
	in := chat.NewInbox(4)
	u := spawnUser(t, sys, in, chat.UserConfig{}, nil)
	for i := 1; i <= 10; i++ {
		m := chat.Message{Room: "foo", Seq: uint64(i), Text: fmt.Sprint("m", i)}
		if err := sys.Send(u, chat.Delivery{Message: m}); err != nil {
			t.Fatal(err)
		}
	}
	ask(t, sys, u, chat.Allow{}) // handled after the deliveries: they are all in
	if in.Len() != 4 {
		t.Fatalf("the inbox holds %d events, want its capacity 4", in.Len())
	}
	evs := next(t, in)
	if len(evs) != 5 || evs[0].Type != chat.EventMissed || evs[0].Missed != 6 {
		t.Fatalf("got %+v, want a count of 6 missed, then 4 messages", evs)
	}
	for i, e := range evs[1:] {
		if e.Type != chat.EventMessage || e.Message.Seq != uint64(i+7) {
			t.Fatalf("event %d: %+v, want message %d", i+1, e, i+7)
		}
	}
}

func TestUserPassesOnWhatTheRoomMissed(t *testing.T) {
	sys := newSystem(t)
	in := chat.NewInbox(8)
	u := spawnUser(t, sys, in, chat.UserConfig{}, nil)
	sys.Send(u, chat.Delivery{Message: chat.Message{Room: "foo", Seq: 5}, Missed: 3})
	sys.Send(u, chat.Missed{Room: "foo", Count: 2})
	ask(t, sys, u, chat.Allow{})
	evs := next(t, in)
	want := []chat.Event{
		{Type: chat.EventMissed, Room: "foo", Missed: 3},
		{Type: chat.EventMessage, Room: "foo"},
		{Type: chat.EventMissed, Room: "foo", Missed: 2},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %+v", evs)
	}
	for i := range want {
		if evs[i].Type != want[i].Type || evs[i].Missed != want[i].Missed || evs[i].Room != want[i].Room {
			t.Fatalf("event %d: %+v, want %+v", i, evs[i], want[i])
		}
	}
}

func TestUserIsToldWhenItsRoomGoesAway(t *testing.T) {
	sys := newSystem(t)
	in := chat.NewInbox(8)
	u := spawnUser(t, sys, in, chat.UserConfig{}, nil)
	room := spawnRoom(t, sys, "foo", chat.RoomConfig{})
	sys.Send(u, chat.Track{Room: "foo", RoomPID: room})
	ask(t, sys, u, chat.Allow{}) // the user watches the room now
	sys.Stop(room)
	evs := next(t, in)
	if len(evs) != 1 || evs[0].Type != chat.EventGone || evs[0].Room != "foo" {
		t.Fatalf("got %+v, want room foo gone", evs)
	}
}

// Untrack by name (a grain room, whose PID the gateway does not look up
// to leave) forgets the room of that name only: the user hears when the
// other room goes, not when the one it left does.
func TestUserUntracksARoomByName(t *testing.T) {
	sys := newSystem(t)
	in := chat.NewInbox(8)
	u := spawnUser(t, sys, in, chat.UserConfig{}, nil)
	foo := spawnRoom(t, sys, "foo", chat.RoomConfig{})
	bar := spawnRoom(t, sys, "bar", chat.RoomConfig{})
	sys.Send(u, chat.Track{Room: "foo", RoomPID: foo})
	sys.Send(u, chat.Track{Room: "bar", RoomPID: bar})
	sys.Send(u, chat.Untrack{Room: "foo"})
	ask(t, sys, u, chat.Allow{}) // handled after the three
	sys.Stop(foo)
	sys.Stop(bar)
	evs := next(t, in)
	if len(evs) != 1 || evs[0].Type != chat.EventGone || evs[0].Room != "bar" {
		t.Fatalf("got %+v, want only room bar gone", evs)
	}
}

func TestUserRateLimit(t *testing.T) {
	sys := newSystem(t)
	u := spawnUser(t, sys, chat.NewInbox(1), chat.UserConfig{Rate: 0.001, Burst: 3}, nil)
	for i := 1; i <= 3; i++ {
		if a := ask(t, sys, u, chat.Allow{}).(chat.Allowance); !a.OK {
			t.Fatalf("post %d of a burst of 3 refused", i)
		}
	}
	a := ask(t, sys, u, chat.Allow{}).(chat.Allowance)
	if a.OK || a.RetryAfterMs < 900_000 {
		t.Fatalf("a 4th post at 0.001/s: %+v, want a refusal and a wait of ~1000 s", a)
	}
}

// The idle rule is a matter of minutes, so it runs under synctest's clock:
// the bubble's time jumps ahead whenever every goroutine in it waits.
func TestUserStopsWhenNobodyReadsForIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actor.NewSystem()
		in := chat.NewInbox(8)
		stopped := make(chan struct{})
		u := spawnUser(t, sys, in, chat.UserConfig{Idle: time.Minute}, func() { close(stopped) })

		sys.Send(u, chat.Attach{})
		time.Sleep(10 * time.Minute) // a client reads all along
		synctest.Wait()
		if in.Closed() {
			t.Fatal("a user with a client attached stopped")
		}

		sys.Send(u, chat.Detach{})
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if in.Closed() {
			t.Fatal("the user stopped before Idle")
		}
		time.Sleep(20 * time.Second) // past Idle, and its next check
		<-stopped
		if !in.Closed() {
			t.Fatal("the user stopped without closing its inbox")
		}
		if _, err := in.Next(context.Background(), 0); !errors.Is(err, mailbox.ErrClosed) {
			t.Fatalf("Next after the stop: %v", err)
		}
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
