package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/remote/wire"
	"github.com/troupe-go/troupe/supervisor"
)

// stopAll stops an actor at its first panic.
var stopAll = supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop }))

// TestReasonLabels: wrapped sentinels find their label, anything else is
// "other"; the label lists are what the guide documents.
func TestReasonLabels(t *testing.T) {
	panicOf := func(v any) error {
		sys := actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler)), actor.WithGuardian(stopAll))
		defer sys.Shutdown(context.Background())
		failed := make(chan *actor.PanicError, 1)
		defer sys.Subscribe(func(ev actor.Event) {
			if f, ok := ev.(actor.ActorFailed); ok {
				failed <- f.Err // the stop reason of an actor a panic stopped
			}
		})()
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if c.Message() == "boom" {
				panic(v)
			}
		})
		sys.Send(pid, "boom")
		return <-failed
	}
	stops := []struct {
		err  error
		want string
	}{
		{nil, "normal"},
		{panicOf("boom"), "panic"},
		{panicOf(actor.ErrRestartLimit), "restart_limit"},
		{fmt.Errorf("%w: %w", actor.ErrIgnoredStop, errors.New("x")), "ignored_stop"},
		{actor.ErrIgnoredStop, "ignored_stop"},
		{errors.New("remote node down"), "other"},
	}
	for _, c := range stops {
		if got := stopReasons[stopReason(c.err)]; got != c.want {
			t.Errorf("stop reason %v: %q, want %q", c.err, got, c.want)
		}
	}
	deads := []struct {
		err  error
		want string
	}{
		{actor.ErrNotFound, "not_found"},
		{fmt.Errorf("remote: %w", actor.ErrNotFound), "not_found"},
		{mailbox.ErrDropped, "dropped"},
		{actor.ErrStopped, "stopped"},
		{actor.ErrNoSender, "no_sender"},
		{actor.ErrAnswered, "answered"},
		{mailbox.ErrFull, "full"},
		{fmt.Errorf("%w: %w", actor.ErrNoReply, remote.ErrQueueFull), "queue_full"},
		{remote.ErrNodeUnreachable, "unreachable"},
		{remote.ErrNodeStopped, "node_stopped"},
		{remote.ErrUnknownType, "unknown_type"},
		{fmt.Errorf("decoding: %w", wire.ErrPayload), "payload"},
		{remote.ErrLateReply, "late_reply"},
		{errors.New("peer unreachable"), "other"},
		{nil, "other"},
	}
	for _, c := range deads {
		if got := deadLetterReasons[deadLetterReason(c.err)].label; got != c.want {
			t.Errorf("dead letter reason %v: %q, want %q", c.err, got, c.want)
		}
	}
}
