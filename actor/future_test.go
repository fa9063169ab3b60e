package actor_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/troupe-go/troupe/actor"
)

// holder is a Transport that hands each request it carries to the test.
type holder struct{ replies chan actor.Reply }

func (h holder) Send(_ context.Context, _ bool, _, _ actor.PID, _ any, reply actor.Reply) error {
	h.replies <- reply
	return nil
}
func (holder) Watch(_, _ actor.PID)               {}
func (holder) Unwatch(_, _ actor.PID)             {}
func (holder) Terminated(_, _ actor.PID, _ error) {}
func (holder) Stop(_ actor.PID, _ bool) error     { return nil }

// A Request whose context ends while the answer is being completed
// returns the answer, once it is set: not the empty result of a
// completion half done.
func TestRequestWhoseContextEndsDuringTheAnswerReturnsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		h := holder{replies: make(chan actor.Reply, 1)}
		if _, err := sys.SetTransport("a", h); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			v   any
			err error
		}
		got := make(chan result, 1)
		go func() {
			v, err := sys.Request(ctx, actor.PID{Address: "b", ID: "answerer"}, "question")
			got <- result{v, err}
		}()
		finish := actor.Claim(<-h.replies) // the answer arrives and is being set
		cancel()
		synctest.Wait() // the Request has seen its context end
		finish("answer", nil)
		if r := <-got; r.v != "answer" || r.err != nil {
			t.Fatalf("Request = %v, %v; want the answer that won", r.v, r.err)
		}
	})
}
