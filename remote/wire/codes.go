package wire

import "strconv"

// Code is the outcome carried by Reply, Terminated, Spawned and Refuse
// frames: one table for all of them (docs/wire-protocol.md, section 5).
// Zero is success. A receiver treats a code it does not know as a failure.
type Code uint32

// The codes of the protocol, the same in every version since the first
// (Version is the current one). Numbers are part of the protocol: never
// renumber, only add.
const (
	// CodeOK is success; in Terminated, a normal stop.
	CodeOK Code = 0
	// CodeNotFound: the target actor does not exist, or no longer.
	CodeNotFound Code = 1
	// CodeUnknownType: the type name is not registered on the node that had
	// to decode or encode the value.
	CodeUnknownType Code = 2
	// CodeDecodeError: the payload could not be decoded into the registered
	// type.
	CodeDecodeError Code = 3
	// CodeEncodeError: the answer could not be encoded.
	CodeEncodeError Code = 4
	// CodeTooLarge: the answer's frame would exceed the maximum frame size.
	CodeTooLarge Code = 5
	// CodeNoReply: the actor finished handling the request without
	// answering it.
	CodeNoReply Code = 6
	// CodeStopped: the actor stopped before it answered.
	CodeStopped Code = 7
	// CodeQueueFull: the target's mailbox, or the node's outbound queue, was
	// full.
	CodeQueueFull Code = 8
	// CodePanic: the actor panicked.
	CodePanic Code = 9
	// CodeUnknownKind: no actor kind of that name is registered (Spawned).
	CodeUnknownKind Code = 10
	// CodeSpawnDisabled: the node does not accept remote spawns (Spawned).
	CodeSpawnDisabled Code = 11
	// CodeNameTaken: an actor with that name already exists (Spawned).
	CodeNameTaken Code = 12
	// CodeNodeDown: the connection to the node was lost. Never sent in a
	// frame; a node reports it locally with this number.
	CodeNodeDown Code = 13
	// CodeTimeout: the request timed out.
	CodeTimeout Code = 14
	// CodeShuttingDown: the node is stopping.
	CodeShuttingDown Code = 15
	// CodeFailed: any other error; the text says which.
	CodeFailed Code = 16

	// CodeBadMagic (Refuse): not a troupe Hello or Challenge: wrong magic,
	// or bytes that are not a frame.
	CodeBadMagic Code = 32
	// CodeVersionMismatch (Refuse): unsupported protocol version; the reason
	// lists the supported ones.
	CodeVersionMismatch Code = 33
	// CodeBadProof (Refuse): the proof did not match; the cookies differ.
	CodeBadProof Code = 34
	// CodeDuplicate (Refuse): a connection between the two nodes already
	// exists.
	CodeDuplicate Code = 35
	// CodeProtocolError (Refuse): a well-formed frame that breaks the
	// handshake's rules.
	CodeProtocolError Code = 36
	// CodeRefused (Refuse): refused for another reason; the text says which.
	CodeRefused Code = 37
	// CodeUnconfirmed (Refuse): the initiator claims the address of a node
	// the acceptor has a live session with (or holds messages for), and the
	// claim could not be confirmed (docs/wire-protocol.md, section 3.5).
	CodeUnconfirmed Code = 38
)

var codeNames = [...]string{
	CodeOK:              "ok",
	CodeNotFound:        "not found",
	CodeUnknownType:     "unknown type",
	CodeDecodeError:     "decode error",
	CodeEncodeError:     "encode error",
	CodeTooLarge:        "too large",
	CodeNoReply:         "no reply",
	CodeStopped:         "stopped",
	CodeQueueFull:       "queue full",
	CodePanic:           "panic",
	CodeUnknownKind:     "unknown kind",
	CodeSpawnDisabled:   "spawn disabled",
	CodeNameTaken:       "name taken",
	CodeNodeDown:        "node down",
	CodeTimeout:         "timeout",
	CodeShuttingDown:    "shutting down",
	CodeFailed:          "failed",
	CodeBadMagic:        "bad magic",
	CodeVersionMismatch: "version mismatch",
	CodeBadProof:        "bad proof",
	CodeDuplicate:       "duplicate",
	CodeProtocolError:   "protocol error",
	CodeRefused:         "refused",
	CodeUnconfirmed:     "unconfirmed",
}

// String returns the code's name from the spec, or "code(N)" for a code
// this version does not know.
func (c Code) String() string {
	if int(c) < len(codeNames) && codeNames[c] != "" {
		return codeNames[c]
	}
	return "code(" + strconv.FormatUint(uint64(c), 10) + ")"
}
