// Package wire holds the bytes of troupe's node-to-node protocol and
// nothing else: frames, their bodies, the handshake, and the check that
// stands between the network and the msgpack decoder. It imports msgpack
// and the standard library, never the actor runtime, so that a fuzz target,
// a test or a client written by someone else can use exactly what
// docs/wire-protocol.md describes. The spec is the contract; this package
// implements it, and its tests compare the spec's test vectors with what
// the code writes, byte for byte.
//
// # Frames
//
// Every frame is a 4-byte big-endian length and then one msgpack value,
// [frame type, body], where the body is an array of positional fields. A
// connection opens with a handshake (Hello, Challenge, Proof, then Accept
// or Refuse: the initiator proves first); after it, either side sends Message, Reply, Watch, Unwatch,
// Terminated, Stop, Spawn, Spawned, Heartbeat, Ack and finally Close. Each body
// has a struct here, named after its frame type.
//
// # Writing
//
// An Encoder appends frames to one buffer it keeps: a writer goroutine
// appends every frame in its queue, writes the buffer once when the queue
// runs dry, and starts again. The payload of a Message or a Reply is any Go
// value; msgpack encodes it straight into the buffer. A frame that fails,
// because its payload cannot be encoded or it would be larger than the
// maximum frame size, is rolled back and leaves the other frames alone: it
// is that message's failure, not the connection's. On the steady path,
// appending a Message allocates nothing.
//
// # Reading
//
// A Reader reads one frame at a time into a buffer it reuses. It refuses a
// frame whose length is zero or over the maximum before allocating for
// it, then runs Check over the frame before any msgpack decoding, then
// reads the frame type. Its Dispatch method decodes the body and calls the
// matching function of a Handlers table; DecodeMessage and its siblings
// decode bodies one at a time instead. Bodies are decoded into strings,
// integers and byte arrays only; a payload comes back undecoded, as the
// slice of the frame that holds it, for the node to decode into the type
// registered under the frame's type name, with DecodePayload, which also
// turns msgpack's own panics into errors. Any error from ReadFrame or
// Dispatch (ErrMalformed, ErrUnknownFrame, ErrUnexpectedFrame...) means the
// peer broke the protocol: the node logs it and drops the connection.
//
// # Plain payloads
//
// msgpack finds its way through a Go value by reflection, at a cost that
// dominates small messages. A PlainCodec does the same work for one plain
// struct type, one made of numbers, strings, bools and such structs (an
// actor PID is one), from a plan made once by NewPlainCodec: its Append
// writes the bytes msgpack writes, and its Decode reads the payloads
// msgpack reads, or declines any it is not sure of, and the caller decodes
// those with DecodePayload. The Encoder's AppendMessageWith and
// AppendReplyWith take a codec for the payload. Nothing on the wire
// changes: a peer cannot tell which side used one. ExamplePlainCodec
// shows both ends.
//
// # Why Check
//
// msgpack trusts its length headers: five bytes that declare a map of four
// billion entries make msgpack/v5 try to allocate for all of them, and ten
// million nested arrays overflow the goroutine stack. Neither can be
// recovered. Check walks a frame once, without recursion, and accepts it
// only if every declared length fits in the bytes that are really there,
// nothing nests deeper than MaxDepth and nothing trails. Frames the Encoder
// writes always pass it.
//
// # The handshake
//
// Dial and Accept run the two sides of the handshake over a connection the
// caller has opened and given a deadline. Both sides prove that they know
// the cookie with an HMAC over both fresh nonces, compared in constant
// time; neither sends the cookie. The initiator proves first (protocol
// version 3): the acceptor's Challenge carries only its nonce, and its own
// proof comes in the Accept, once the initiator's has passed, so that a
// Hello gets nothing to guess the cookie against offline. Accept's decide
// hook lets the node refuse an authenticated peer (a duplicate connection,
// a node shutting down, a claimed address it could not confirm) with a
// Refuse the peer can read.
//
// An address in a Hello is a claim. Confirm asks the node at that address
// whether it is dialling this one with a given Hello nonce; the acceptor's
// HandshakeConfig.Confirmed answers, and Accept returns ErrConfirmation for
// such a connection, since no session follows.
//
// See Example for a frame written and read back.
package wire
