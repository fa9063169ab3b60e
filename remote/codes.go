package remote

import (
	"errors"
	"fmt"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
)

// Error is a failure that another node reported in a frame: the code and
// the text of a failed Reply, or the reason of a remote actor's stop in a
// Terminated. The error of a failed remote request wraps it beside
// actor.ErrNoReply.
//
// errors.Is matches it with the sentinel its code stands for:
// actor.ErrNotFound, actor.ErrStopped, actor.ErrTimeout, mailbox.ErrFull,
// ErrUnknownType, ErrNodeStopped, ErrNodeDown, wire.ErrPayload,
// wire.ErrFrameTooLarge, and for a refused spawn ErrUnknownKind,
// ErrSpawnDisabled or actor.ErrNameTaken.
type Error struct {
	// Node is the address of the node that reported it.
	Node string
	// Code says what failed; never wire.CodeOK.
	Code wire.Code
	// Text is the error as the other node wrote it.
	Text string
}

// Error reports the node, the code and the text.
func (e *Error) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("remote: %s: %s", e.Node, e.Code)
	}
	return fmt.Sprintf("remote: %s: %s: %s", e.Node, e.Code, e.Text)
}

// Is matches the sentinel that the code stands for.
func (e *Error) Is(target error) bool {
	s := sentinelOf(e.Code)
	return s != nil && s == target
}

// sentinelOf returns the Go sentinel that a code stands for, or nil.
func sentinelOf(c wire.Code) error {
	switch c {
	case wire.CodeNotFound:
		return actor.ErrNotFound
	case wire.CodeUnknownType:
		return ErrUnknownType
	case wire.CodeDecodeError, wire.CodeEncodeError:
		return wire.ErrPayload
	case wire.CodeTooLarge:
		return wire.ErrFrameTooLarge
	case wire.CodeStopped:
		return actor.ErrStopped
	case wire.CodeQueueFull:
		return mailbox.ErrFull
	case wire.CodeNodeDown:
		return ErrNodeDown
	case wire.CodeTimeout:
		return actor.ErrTimeout
	case wire.CodeShuttingDown:
		return ErrNodeStopped
	case wire.CodeUnknownKind:
		return ErrUnknownKind
	case wire.CodeSpawnDisabled:
		return ErrSpawnDisabled
	case wire.CodeNameTaken:
		return actor.ErrNameTaken
	}
	return nil
}

// codeOf returns the code that carries err to another node: CodeOK for
// nil, the code of the most specific sentinel err wraps, CodeFailed for
// anything else. A dead letter's reason wraps both a specific cause and
// actor.ErrNoReply, so the causes are tried first.
func codeOf(err error) wire.Code {
	if err == nil {
		return wire.CodeOK // most replies: without the two targets of errors.As below, which escape
	}
	return codeOfError(err)
}

func codeOfError(err error) wire.Code {
	var re *Error
	var pe *actor.PanicError
	switch {
	case errors.As(err, &re):
		return re.Code
	case errors.As(err, &pe):
		return wire.CodePanic
	case errors.Is(err, ErrUnknownType):
		return wire.CodeUnknownType
	case errors.Is(err, actor.ErrNotFound):
		return wire.CodeNotFound
	case errors.Is(err, actor.ErrStopped):
		return wire.CodeStopped
	case errors.Is(err, mailbox.ErrFull), errors.Is(err, ErrQueueFull):
		return wire.CodeQueueFull
	case errors.Is(err, wire.ErrFrameTooLarge):
		return wire.CodeTooLarge
	case errors.Is(err, wire.ErrPayload):
		return wire.CodeDecodeError
	case errors.Is(err, actor.ErrTimeout):
		return wire.CodeTimeout
	case errors.Is(err, actor.ErrNameTaken):
		return wire.CodeNameTaken
	case errors.Is(err, ErrUnknownKind):
		return wire.CodeUnknownKind
	case errors.Is(err, ErrSpawnDisabled):
		return wire.CodeSpawnDisabled
	case errors.Is(err, ErrNodeStopped):
		return wire.CodeShuttingDown
	case errors.Is(err, ErrNodeDown):
		return wire.CodeNodeDown
	case errors.Is(err, actor.ErrNoReply):
		return wire.CodeNoReply
	}
	return wire.CodeFailed
}

// replyError is the error of a request that another node failed.
func replyError(node string, code wire.Code, text string) error {
	return fmt.Errorf("%w: %w", actor.ErrNoReply, &Error{Node: node, Code: code, Text: text})
}

// terminatedReason is the reason of a remote actor's stop, as a
// Terminated frame gives it: nil for a normal stop.
func terminatedReason(node string, code wire.Code, text string) error {
	if code == wire.CodeOK {
		return nil
	}
	return &Error{Node: node, Code: code, Text: text}
}
