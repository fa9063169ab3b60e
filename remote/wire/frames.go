package wire

import "github.com/vmihailenco/msgpack/v5"

// Incarnation identifies one run of a node: 16 random bytes drawn when the
// node starts. A peer that comes back with another incarnation has
// restarted. The zero value is not a valid incarnation.
type Incarnation [16]byte

// Nonce is the fresh random value each side contributes to a handshake.
type Nonce [32]byte

// Digest is an HMAC-SHA256: a handshake proof.
type Digest [32]byte

// Hello is the body of the initiator's first frame (FrameHello). The magic
// and the version are implicit: the Encoder writes Magic and Version, the
// Decoder checks them.
type Hello struct {
	Addr        string      // the initiator's listen address, host:port
	Incarnation Incarnation // the initiator's incarnation
	Nonce       Nonce       // the initiator's fresh nonce
	// Confirm is zero for a connection that opens a session. Otherwise the
	// connection is a confirmation: the initiator asks whether the acceptor
	// is itself dialling it with a Hello of that nonce, and closes once
	// answered (docs/wire-protocol.md, section 3.5).
	Confirm Nonce
}

// Challenge is the acceptor's answer to a Hello (FrameChallenge): its own
// identity and its nonce. It proves nothing yet: the acceptor proves that
// it knows the cookie in its Accept, once the initiator has proved it.
type Challenge struct {
	Addr        string      // the acceptor's listen address, host:port
	Incarnation Incarnation // the acceptor's incarnation
	Nonce       Nonce       // the acceptor's fresh nonce
}

// confirm returns the Confirm field as the Hello carries it: no bytes when
// it is zero.
func (h *Hello) confirm() []byte {
	if h.Confirm == (Nonce{}) {
		return nil
	}
	return h.Confirm[:]
}

// Accepted is the body of the frame that ends a successful handshake
// (FrameAccept): the acceptor's proof, and its answer to a confirmation.
type Accepted struct {
	Proof Digest // AcceptorProof
	// Confirmed answers a confirmation: the acceptor is dialling the
	// initiator with a Hello of the nonce asked about. Always false when
	// the Hello asked nothing.
	Confirmed bool
}

// Proof is the initiator's proof that it knows the cookie (FrameProof).
type Proof struct {
	Proof Digest // InitiatorProof
}

// Refuse ends a handshake (FrameRefuse). As an error it is a *RefusedError.
type Refuse struct {
	Code   Code   // why; never CodeOK
	Reason string // text for logs; for CodeVersionMismatch, the supported versions
}

// Message delivers a payload to an actor on the receiving node
// (FrameMessage).
type Message struct {
	// Target is the id of the actor on the receiving node; never empty.
	Target string
	// Sender is the id of an actor on the sending node; "" for none.
	Sender string
	// RequestID is 0 for a one-way message; otherwise the receiver answers
	// with one Reply carrying it.
	RequestID uint64
	// Type is the name the payload's type is registered under; never empty.
	Type string
	// Payload is the encoded value. Read from a frame, it is a sub-slice of
	// the reader's buffer, valid until the next read: decode it (into the
	// registered type, never into interface{}) or copy it before then.
	// The Encoder ignores it and encodes its value argument instead.
	Payload msgpack.RawMessage
}

// Reply answers the Message whose RequestID it carries (FrameReply).
type Reply struct {
	// RequestID is the request answered; never 0.
	RequestID uint64
	// Code is CodeOK for an answer, another code for a failed request.
	Code Code
	// Type is the registered name of the answer's type; "" for no value
	// and whenever Code is not CodeOK.
	Type string
	// Payload is the encoded answer, as Message.Payload; nil (msgpack nil)
	// whenever Type is "".
	Payload msgpack.RawMessage
	// Error says why the request failed; "" for CodeOK.
	Error string
}

// Watch is the body of FrameWatch and FrameUnwatch: Watcher, on the sending
// node, starts or stops watching Target, on the receiving node.
type Watch struct {
	Target  string // on the receiving node; never empty
	Watcher string // on the sending node; never empty
}

// Terminated tells Watcher, on the receiving node, that Actor, on the
// sending node, has terminated (FrameTerminated).
type Terminated struct {
	Actor   string // on the sending node; never empty
	Watcher string // on the receiving node; never empty
	Code    Code   // CodeOK for a normal stop; CodePanic, CodeFailed, CodeNotFound...
	Reason  string // the error, as text; "" for a normal stop
}

// StopMode says how a Stop frame stops its target.
type StopMode uint8

const (
	// ModeStop stops the actor after the message it is handling.
	ModeStop StopMode = 0
	// ModePoison stops the actor after the messages already queued.
	ModePoison StopMode = 1
)

// Stop stops an actor on the receiving node (FrameStop). It has no answer.
type Stop struct {
	Target string   // never empty
	Mode   StopMode // ModeStop or ModePoison
}

// Spawn asks the receiving node to spawn an actor of a registered kind
// (FrameSpawn); it answers with Spawned.
type Spawn struct {
	RequestID uint64 // never 0
	Kind      string // the registered kind; never empty
	Name      string // the actor's id; "" lets the receiver generate one
}

// Spawned answers a Spawn (FrameSpawned).
type Spawned struct {
	RequestID uint64 // the Spawn answered; never 0
	Actor     string // the new actor's id, for CodeOK; "" otherwise
	Code      Code   // CodeOK, CodeUnknownKind, CodeSpawnDisabled, CodeNameTaken...
	Error     string // why it failed; "" for CodeOK
}

// Close is a graceful goodbye (FrameClose): its sender sends nothing after
// it.
type Close struct {
	Reason string // text for logs
}

// Ack acknowledges Message frames (FrameAck): its sender has read Count
// Message frames on this connection since the session began, counted in
// the order they were written. Count never goes down, and never passes
// the number of Message frames the receiver of the Ack has written.
type Ack struct {
	Count uint64 // Message frames read in this session, cumulative
}
