// Package remote connects troupe programs over the network.
//
// Start installs a Node as the System's actor.Transport: from then on a PID
// whose Address is another node's address ("host:port") reaches that
// node's actor, so that Send, Request, Watch and Stop reach actors of other
// processes and machines. The node serves its peers through a stream server
// of package remote/server, which is also usable on its own.
//
// The zero Config works on loopback; a node reachable from other machines
// needs a Cookie or mutual TLS (or Insecure, said out loud). Only types
// registered in Config.Types, a registry value made with NewTypes and
// Register, cross the wire; the frames are those of package remote/wire.
//
// Identity and bounds. A node's address is a claim until it is confirmed:
// a connection that claims the address of a node with a live session is
// let in only once the node at that address confirms it is dialling (or,
// with Config.VerifyPeerAddress, once the peer's certificate names that
// host). Everything a peer can make a node hold is bounded (MaxPeers,
// MaxWatches, MaxHandshakes, MaxConns, the frame size, the bytes in local
// mailboxes and in the answers waiting for it, the lengths of strings at
// the wire), Config.Expose says what peers may do to local
// actors, and Config.AllowDial which addresses the node may dial. The
// remote guide's Security section has the threat model.
//
// Guarantees. Between two nodes there is one connection, used both ways.
// Messages from one sender to one actor arrive in the order sent, at most
// once. Nothing is lost unseen: a send is refused with an error
// (ErrUnknownType, mailbox.ErrFull, ErrNodeStopped), or the message becomes
// a dead letter of the sending System with a reason (ErrQueueFull,
// ErrNodeUnreachable, ErrNodeStopped, an encoding error), or of the
// receiving System (ErrUnknownType, a decoding error, actor.ErrNotFound,
// mailbox.ErrFull, ErrInboundFull).
// The receiving node acknowledges the messages it reads (the Ack frame), so
// PeerStats counts a message Delivered only when the peer has it; one
// written to a connection that dies before its acknowledgement may or may
// not have arrived: PeerStats counts those as Uncertain.
//
// Backpressure. Each peer has an outbound queue bounded in messages and in
// bytes (Config.OutboundQueue, Config.OutboundBytes) that behaves like a
// mailbox: Send and SendContext wait for room, TrySend
// returns mailbox.ErrFull, and Config.Overflow may drop instead. On the
// receiving side a message waits for room in a full Block mailbox, which
// slows the connection and, through TCP, the sender's queue; while the
// reader waits for one actor, the other actors that peer sends to wait too
// (head-of-line blocking), so the wait is bounded by half the heartbeat
// timeout, after which the message becomes a dead letter (mailbox.ErrFull).
// So does the reader wait while a peer's messages hold Config.InboundBytes
// in local mailboxes (ErrInboundFull).
// A connection whose peer stops reading, or that hears nothing, not even a
// heartbeat, for Config.HeartbeatTimeout is dropped, so no sender waits
// forever on a peer that is gone.
//
// Requests. A request carries an id; the reply finds its caller by it. A
// caller that stops waiting is forgotten at once (a reply that comes later
// is a dead letter, ErrLateReply); a request that fails on the other node
// returns an error wrapping actor.ErrNoReply and a *Error with the other
// node's code (errors.Is(err, actor.ErrNotFound) for a missing actor).
//
// Node down. When a connection is lost, or cannot be made, every request
// pending on it fails at once and every local watcher of that node's
// actors receives actor.Terminated, exactly once, with a reason wrapping
// ErrNodeDown. Queued messages wait for the connection to come back, with
// backoff, for Config.ReconnectGiveUp; then they become dead letters.
//
// Remote spawn. RegisterKind names the kinds of actor other nodes may
// start on this one, and SpawnRemote starts one on another node and
// returns its PID; a spawned actor is a top-level actor of the serving
// node's System. It is off unless Config.AllowRemoteSpawn is set: knowing
// the cookie lets a peer reach a node's actors, not create its own there.
// See the Node.SpawnRemote example.
//
// PIDs in payloads. A PID of the sending node travels with an empty
// Address; the receiver gives it the sender's address, and a PID of its
// own actors arrives local. So an actor.PID anywhere in a registered type
// (not inside an interface) can be answered, watched and stopped from the
// other side.
//
// Stopping. Stop drains the queues, says goodbye with a Close frame and
// uninstalls the Transport; Close does it at once; StopOn ties it to a
// server.Event, which server.SetOnSignal can set. The System and its local
// actors go on. Stats returns per-peer counters, read when called. See the
// Node example for two nodes in one program.
package remote
