package remote

import "errors"

// Sentinel errors of the node. Compare with errors.Is: most are returned
// wrapped with the address or the cause that explains them.
var (
	// ErrStopTimeout is wrapped by the error Node.Stop returns when its
	// context ended before every queue was written; what was left became
	// dead letters.
	ErrStopTimeout = errors.New("remote: stop timed out; queued messages dropped")

	// ErrInvalidConfig is wrapped by the error Start returns for a Config
	// field out of range; the message names the field.
	ErrInvalidConfig = errors.New("remote: invalid config")

	// ErrInsecure is wrapped by the error Start returns for a node that
	// would listen beyond loopback with nothing to authenticate its peers:
	// no Cookie and no mutual TLS, and Insecure not set.
	ErrInsecure = errors.New("remote: a non-loopback node needs a Cookie or mutual TLS (or Insecure: true)")

	// ErrUnknownType is returned by a send whose message type is not
	// registered in the node's Types, and is the reason of a dead letter
	// (and of a failed request) when a frame names a type the receiving
	// node has not registered.
	ErrUnknownType = errors.New("remote: message type not registered")

	// ErrBadAddress is returned for a PID whose Address is not host:port.
	ErrBadAddress = errors.New("remote: invalid node address")

	// ErrTooManyPeers is returned by a send to a node this one does not
	// know yet when it already knows Config.MaxPeers nodes, and is the
	// reason an inbound connection is refused then.
	ErrTooManyPeers = errors.New("remote: too many peer nodes")

	// ErrTooManyWatches is the reason of the Terminated a peer's watcher
	// gets at once, instead of a watch, when that peer already holds
	// Config.MaxWatches watches of this node's actors.
	ErrTooManyWatches = errors.New("remote: too many watches from one peer")

	// ErrNotExposed is the reason of the dead letter a message from
	// another node becomes, and the error of its request, when
	// Config.Expose does not let peers send to its target; and of the
	// Terminated a refused watch gets.
	ErrNotExposed = errors.New("remote: actor not exposed to other nodes")

	// ErrDialNotAllowed is returned by a send to a node whose address
	// Config.AllowDial refuses: this node will not dial it.
	ErrDialNotAllowed = errors.New("remote: dialling that address is not allowed")

	// ErrQueueFull is the reason of a dead letter that the outbound queue
	// of a peer dropped under a drop policy (Config.Overflow). TrySend to a
	// full Block queue returns mailbox.ErrFull instead.
	ErrQueueFull = errors.New("remote: outbound queue full")

	// ErrInboundFull is the reason of a dead letter made of a message read
	// from a peer that did not fit in Config.InboundBytes, the bytes the
	// peer's messages may hold in local mailboxes, within half the
	// heartbeat timeout.
	ErrInboundFull = errors.New("remote: inbound bytes full")

	// ErrNodeDown is wrapped by the reason of the Terminated every local
	// watcher of a remote actor receives when the connection to its node is
	// lost or cannot be made, and by the error of every request pending on
	// that connection.
	ErrNodeDown = errors.New("remote: node down")

	// ErrNodeUnreachable is the reason of the dead letters a peer makes of
	// its queue when it has failed to connect for Config.ReconnectGiveUp.
	ErrNodeUnreachable = errors.New("remote: node unreachable")

	// ErrNodeStopped is returned by sends to other nodes once Stop or Close
	// has begun, and is the reason of the dead letters left in the queues
	// when the node stopped before it could write them.
	ErrNodeStopped = errors.New("remote: node stopped")

	// ErrHeartbeatTimeout is the cause of a node down when nothing arrived
	// from the peer for Config.HeartbeatTimeout, or a write to it made no
	// progress for as long.
	ErrHeartbeatTimeout = errors.New("remote: peer silent for the heartbeat timeout")

	// ErrPeerClosed is the cause of a node down when the peer said goodbye
	// with a Close frame.
	ErrPeerClosed = errors.New("remote: peer closed the connection")

	// ErrProtocol is the cause of a node down when the peer broke the
	// session's rules in a well-formed frame: an Ack whose count goes
	// down, or covers more messages than were written to it.
	ErrProtocol = errors.New("remote: protocol error")

	// ErrLateReply is the reason of the dead letter made of a reply whose
	// request is no longer waiting (its caller gave up, or it never was).
	ErrLateReply = errors.New("remote: reply to a request no longer waiting")
)

// Sentinel errors of remote spawn (Node.RegisterKind, Node.SpawnRemote).
// A spawn refused by the other node also matches actor.ErrNameTaken when
// the name asked for is in use there.
var (
	// ErrSpawnDisabled is matched by the error of SpawnRemote when the
	// other node does not accept remote spawns (Config.AllowRemoteSpawn is
	// false there, the default).
	ErrSpawnDisabled = errors.New("remote: remote spawn disabled")

	// ErrUnknownKind is matched by the error of SpawnRemote when the other
	// node has registered no kind of that name.
	ErrUnknownKind = errors.New("remote: unknown actor kind")

	// ErrInvalidKind is wrapped by the error of RegisterKind and
	// SpawnRemote for an empty kind name.
	ErrInvalidKind = errors.New("remote: invalid kind name")

	// ErrDuplicateKind is wrapped by the error of RegisterKind for a name
	// already registered on the node.
	ErrDuplicateKind = errors.New("remote: kind already registered")
)
