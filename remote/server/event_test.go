package server_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/remote/server"
)

func TestEventSetWakesAllWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for name, ev := range map[string]*server.Event{"NewEvent": server.NewEvent(), "zero value": new(server.Event)} {
			if ev.IsSet() {
				t.Fatalf("%s: set before Set", name)
			}
			woken := make(chan error, 3)
			for range 3 {
				go func() { woken <- ev.Wait(context.Background()) }()
			}
			go func() { <-ev.Done(); woken <- nil }()
			synctest.Wait()
			if len(woken) != 0 {
				t.Fatalf("%s: a waiter returned before Set", name)
			}
			ev.Set()
			ev.Set() // idempotent
			for range 4 {
				if err := <-woken; err != nil {
					t.Fatalf("%s: Wait = %v, want nil", name, err)
				}
			}
			if !ev.IsSet() {
				t.Fatalf("%s: not set after Set", name)
			}
			if err := ev.Wait(context.Background()); err != nil {
				t.Fatalf("%s: Wait on a set event = %v", name, err)
			}
		}
	})
}

func TestEventWaitHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := server.NewEvent()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := ev.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait = %v, want DeadlineExceeded", err)
		}
		ev.Set()
		// A set event wins over a done context.
		if err := ev.Wait(ctx); err != nil {
			t.Fatalf("Wait on a set event with a done context = %v, want nil", err)
		}
	})
}
