package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/vmihailenco/msgpack/v5"
)

// An Encoder appends frames to one buffer that it reuses: a writer
// goroutine appends every frame waiting in its queue, writes Bytes (or
// calls WriteTo) once, and starts again. Each Append method writes one
// whole frame or, on error, nothing: a frame that fails (a payload that
// cannot be encoded, a frame over the maximum size, a field that breaks
// the spec) is rolled back and the frames before it stay.
//
// Appending a Message with a small struct payload allocates nothing once
// the buffer has grown. An Encoder is not safe for concurrent use.
type Encoder struct {
	out    appendBuffer
	max    int
	frames int
	enc    *msgpack.Encoder
}

// appendBuffer is the io.Writer the msgpack encoder writes payloads into:
// straight into the frame buffer, refusing to grow it past limit.
type appendBuffer struct {
	b     []byte
	limit int
}

var errOverLimit = errors.New("wire: over the frame limit")

// Write appends p, unless that would pass the limit.
func (a *appendBuffer) Write(p []byte) (int, error) {
	if len(a.b)+len(p) > a.limit {
		return 0, errOverLimit
	}
	a.b = append(a.b, p...)
	return len(p), nil
}

// WriteByte appends c, unless that would pass the limit.
func (a *appendBuffer) WriteByte(c byte) error {
	if len(a.b)+1 > a.limit {
		return errOverLimit
	}
	a.b = append(a.b, c)
	return nil
}

// NewEncoder returns an Encoder that writes frames of at most maxFrameSize
// bytes (length prefix excluded); zero or less means DefaultMaxFrameSize.
// Payloads are encoded by msgpack/v5 with compact integers; other options
// are msgpack's defaults (structs as maps keyed by field name).
func NewEncoder(maxFrameSize int) *Encoder {
	if maxFrameSize <= 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	if maxFrameSize > math.MaxUint32 {
		maxFrameSize = math.MaxUint32
	}
	e := &Encoder{max: maxFrameSize}
	e.out.limit = math.MaxInt
	e.enc = msgpack.NewEncoder(&e.out)
	e.enc.UseCompactInts(true)
	return e
}

// Bytes returns the frames appended since the last Reset. The slice is
// valid until the next Append or Reset.
func (e *Encoder) Bytes() []byte { return e.out.b }

// Len returns the number of bytes appended since the last Reset.
func (e *Encoder) Len() int { return len(e.out.b) }

// Frames returns the number of frames appended since the last Reset.
func (e *Encoder) Frames() int { return e.frames }

// Reset empties the buffer and keeps its memory for the next frames.
func (e *Encoder) Reset() {
	e.out.b = e.out.b[:0]
	e.frames = 0
}

// WriteTo writes the frames to w and, if all were written, resets the
// Encoder (as bytes.Buffer.WriteTo drains the buffer). After an error the
// connection is unusable: a frame may be half written.
func (e *Encoder) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(e.out.b)
	if err == nil && n < len(e.out.b) {
		err = io.ErrShortWrite
	}
	if err == nil {
		e.Reset()
	}
	return int64(n), err
}

// begin appends the length placeholder, the frame's array, its type and
// the header of a body of n elements; it returns where the frame starts.
func (e *Encoder) begin(t FrameType, n int) int {
	start := len(e.out.b)
	e.out.b = append(e.out.b, 0, 0, 0, 0, 0x92, byte(t))
	e.out.b = appendArrayLen(e.out.b, n)
	return start
}

// end patches the length of the frame that starts at start, or rolls the
// frame back if it is over the maximum size.
func (e *Encoder) end(start int) error {
	n := len(e.out.b) - start - HeaderSize
	if n > e.max {
		e.out.b = e.out.b[:start]
		return fmt.Errorf("%w: %d bytes, at most %d", ErrFrameTooLarge, n, e.max)
	}
	binary.BigEndian.PutUint32(e.out.b[start:], uint32(n))
	e.frames++
	return nil
}

// payload encodes v at the end of the buffer, for the frame that starts
// at start, with c if c is not nil and takes v, else with msgpack, and
// checks that msgpack's result is one value the peer's Check accepts at
// the payload's depth (3); c's result is such a value by construction
// (plainStruct.append). On error the frame is rolled back.
func (e *Encoder) payload(start int, c *PlainCodec, v any) error {
	limit := start + HeaderSize + e.max
	if c != nil {
		b, res := c.append(e.out.b, v, limit)
		if res == plainDone && len(b) > limit {
			res = plainOver
		}
		switch res {
		case plainDone:
			e.out.b = b
			return nil
		case plainOver:
			e.out.b = b[:start]
			return e.tooLarge()
		}
	}
	at := len(e.out.b)
	e.out.limit = limit
	err := e.encode(v)
	e.out.limit = math.MaxInt
	if err == nil {
		var end int
		end, err = walk(e.out.b, at, MaxDepth-2)
		if err == nil && end != len(e.out.b) {
			err = malformed("%d bytes after the payload value", len(e.out.b)-end)
		}
	}
	if err != nil {
		e.out.b = e.out.b[:start]
		if errors.Is(err, errOverLimit) {
			return e.tooLarge()
		}
		return fmt.Errorf("%w: %T: %w", ErrPayload, v, err)
	}
	return nil
}

// EncodedPayload is a payload encoded and checked by EncodePayload, for
// AppendMessageEncoded to append as it is. The zero value holds nothing:
// AppendMessageEncoded refuses it.
type EncodedPayload struct{ b []byte }

// Bytes returns the encoding. It must not be modified.
func (p EncodedPayload) Bytes() []byte { return p.b }

// Len returns the size of the encoding in bytes.
func (p EncodedPayload) Len() int { return len(p.b) }

// EncodePayload encodes v alone, into a new slice: the payload
// AppendMessage would write for v, checked as it checks it, for a sender
// that weighs a payload before a writer appends it. Its errors are
// AppendMessage's: ErrPayload, or ErrFrameTooLarge for a payload that could
// not fit in a frame. It leaves the Encoder empty.
func (e *Encoder) EncodePayload(v any) (EncodedPayload, error) {
	e.Reset()
	e.out.b = append(e.out.b, 0, 0, 0, 0) // where a frame's length would be
	err := e.payload(0, nil, v)
	var out EncodedPayload
	if err == nil {
		out.b = append([]byte(nil), e.out.b[HeaderSize:]...)
	}
	e.Reset()
	return out, err
}

// tooLarge is the error of a payload that reaches the frame size limit.
func (e *Encoder) tooLarge() error {
	return fmt.Errorf("%w: the payload reaches the limit of %d bytes", ErrFrameTooLarge, e.max)
}

// encode runs the msgpack encoder, turning a panic in a value's own
// EncodeMsgpack into an error.
func (e *Encoder) encode(v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("msgpack panicked: %v", r)
		}
	}()
	return e.enc.Encode(v)
}

// AppendMessage appends a Message frame with the fields of m and v, encoded
// with msgpack, as its payload; m.Payload is not used. To forward an
// encoded payload unchanged, pass it as v: a msgpack.RawMessage is written
// as it is.
func (e *Encoder) AppendMessage(m *Message, v any) error {
	return e.AppendMessageWith(m, nil, v)
}

// AppendMessageWith is AppendMessage with v encoded by c, the PlainCodec of
// v's type: the same bytes, sooner. If c is nil, or leaves v to msgpack
// (see PlainCodec.Append), msgpack encodes v.
func (e *Encoder) AppendMessageWith(m *Message, c *PlainCodec, v any) error {
	start, err := e.beginMessage(m)
	if err != nil {
		return err
	}
	if err := e.payload(start, c, v); err != nil {
		return err
	}
	return e.end(start)
}

// AppendMessageEncoded is AppendMessage with p, encoded and checked
// already by EncodePayload, as the payload: written as it is. m.Payload is
// not used.
func (e *Encoder) AppendMessageEncoded(m *Message, p EncodedPayload) error {
	if len(p.b) == 0 {
		return fmt.Errorf("%w: no encoded payload", ErrPayload)
	}
	start, err := e.beginMessage(m)
	if err != nil {
		return err
	}
	e.out.b = append(e.out.b, p.b...)
	return e.end(start)
}

// beginMessage checks m and writes a Message frame up to its payload: the
// target, sender, request id and type. It returns where the frame starts,
// for end.
func (e *Encoder) beginMessage(m *Message) (start int, err error) {
	if err := m.validate(); err != nil {
		return 0, err
	}
	start = e.begin(FrameMessage, 5)
	b := appendStr(e.out.b, m.Target)
	b = appendStr(b, m.Sender)
	b = appendUint(b, m.RequestID)
	e.out.b = appendStr(b, m.Type)
	return start, nil
}

// AppendReply appends a Reply frame with the fields of r and v, encoded
// with msgpack, as its payload; r.Payload is not used. For a failed request
// (r.Code is not CodeOK) or an answer with no value (r.Type is ""), v must
// be nil.
func (e *Encoder) AppendReply(r *Reply, v any) error {
	return e.AppendReplyWith(r, nil, v)
}

// AppendReplyWith is AppendReply with v encoded by c, as AppendMessageWith
// encodes a Message's payload.
func (e *Encoder) AppendReplyWith(r *Reply, c *PlainCodec, v any) error {
	if len(r.Error) > MaxTextLen {
		cut := *r
		cut.Error = cutText(r.Error)
		r = &cut
	}
	if err := r.validate(v != nil); err != nil {
		return err
	}
	start := e.begin(FrameReply, 5)
	b := appendUint(e.out.b, r.RequestID)
	b = appendUint(b, uint64(r.Code))
	e.out.b = appendStr(b, r.Type)
	if r.Type == "" {
		e.out.b = append(e.out.b, 0xc0)
	} else if err := e.payload(start, c, v); err != nil {
		return err
	}
	e.out.b = appendStr(e.out.b, cutText(r.Error))
	return e.end(start)
}

// AppendWatch appends a Watch frame.
func (e *Encoder) AppendWatch(w *Watch) error { return e.appendWatch(FrameWatch, w) }

// AppendUnwatch appends an Unwatch frame.
func (e *Encoder) AppendUnwatch(w *Watch) error { return e.appendWatch(FrameUnwatch, w) }

func (e *Encoder) appendWatch(t FrameType, w *Watch) error {
	if err := w.validate(); err != nil {
		return err
	}
	start := e.begin(t, 2)
	e.out.b = appendStr(appendStr(e.out.b, w.Target), w.Watcher)
	return e.end(start)
}

// AppendTerminated appends a Terminated frame.
func (e *Encoder) AppendTerminated(t *Terminated) error {
	if len(t.Reason) > MaxTextLen {
		cut := *t
		cut.Reason = cutText(t.Reason)
		t = &cut
	}
	if err := t.validate(); err != nil {
		return err
	}
	start := e.begin(FrameTerminated, 4)
	b := appendStr(e.out.b, t.Actor)
	b = appendStr(b, t.Watcher)
	b = appendUint(b, uint64(t.Code))
	e.out.b = appendStr(b, cutText(t.Reason))
	return e.end(start)
}

// AppendStop appends a Stop frame.
func (e *Encoder) AppendStop(s *Stop) error {
	if err := s.validate(); err != nil {
		return err
	}
	start := e.begin(FrameStop, 2)
	e.out.b = appendUint(appendStr(e.out.b, s.Target), uint64(s.Mode))
	return e.end(start)
}

// AppendSpawn appends a Spawn frame.
func (e *Encoder) AppendSpawn(s *Spawn) error {
	if err := s.validate(); err != nil {
		return err
	}
	start := e.begin(FrameSpawn, 3)
	b := appendUint(e.out.b, s.RequestID)
	b = appendStr(b, s.Kind)
	e.out.b = appendStr(b, s.Name)
	return e.end(start)
}

// AppendSpawned appends a Spawned frame.
func (e *Encoder) AppendSpawned(s *Spawned) error {
	if len(s.Error) > MaxTextLen {
		cut := *s
		cut.Error = cutText(s.Error)
		s = &cut
	}
	if err := s.validate(); err != nil {
		return err
	}
	start := e.begin(FrameSpawned, 4)
	b := appendUint(e.out.b, s.RequestID)
	b = appendStr(b, s.Actor)
	b = appendUint(b, uint64(s.Code))
	e.out.b = appendStr(b, cutText(s.Error))
	return e.end(start)
}

// AppendHeartbeat appends a Heartbeat frame.
func (e *Encoder) AppendHeartbeat() error {
	return e.end(e.begin(FrameHeartbeat, 0))
}

// AppendClose appends a Close frame. Append nothing after it.
func (e *Encoder) AppendClose(c *Close) error {
	start := e.begin(FrameClose, 1)
	e.out.b = appendStr(e.out.b, cutText(c.Reason))
	return e.end(start)
}

// AppendAck appends an Ack frame.
func (e *Encoder) AppendAck(a *Ack) error {
	start := e.begin(FrameAck, 1)
	e.out.b = appendUint(e.out.b, a.Count)
	return e.end(start)
}

// AppendHello appends a Hello frame: Magic, Version and the fields of h.
func (e *Encoder) AppendHello(h *Hello) error {
	return e.appendHello(h, Version)
}

func (e *Encoder) appendHello(h *Hello, version uint64) error {
	if err := h.validate(); err != nil {
		return err
	}
	start := e.begin(FrameHello, 6)
	b := appendStr(e.out.b, Magic)
	b = appendUint(b, version)
	b = appendStr(b, h.Addr)
	b = appendBin(b, h.Incarnation[:])
	b = appendBin(b, h.Nonce[:])
	e.out.b = appendBin(b, h.confirm())
	return e.end(start)
}

// AppendChallenge appends a Challenge frame: Magic, Version and the fields
// of c.
func (e *Encoder) AppendChallenge(c *Challenge) error {
	if err := c.validate(); err != nil {
		return err
	}
	start := e.begin(FrameChallenge, 5)
	b := appendStr(e.out.b, Magic)
	b = appendUint(b, Version)
	b = appendStr(b, c.Addr)
	b = appendBin(b, c.Incarnation[:])
	e.out.b = appendBin(b, c.Nonce[:])
	return e.end(start)
}

// AppendProof appends a Proof frame.
func (e *Encoder) AppendProof(p *Proof) error {
	start := e.begin(FrameProof, 1)
	e.out.b = appendBin(e.out.b, p.Proof[:])
	return e.end(start)
}

// AppendAccept appends an Accept frame.
func (e *Encoder) AppendAccept(a *Accepted) error {
	start := e.begin(FrameAccept, 2)
	var confirmed uint64
	if a.Confirmed {
		confirmed = 1
	}
	e.out.b = appendUint(appendBin(e.out.b, a.Proof[:]), confirmed)
	return e.end(start)
}

// AppendRefuse appends a Refuse frame.
func (e *Encoder) AppendRefuse(r *Refuse) error {
	if err := r.validate(); err != nil {
		return err
	}
	start := e.begin(FrameRefuse, 2)
	e.out.b = appendStr(appendUint(e.out.b, uint64(r.Code)), r.Reason)
	return e.end(start)
}
