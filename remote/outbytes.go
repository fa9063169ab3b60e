package remote

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// The data lane is bounded in bytes as well as in messages: 4096 messages
// of 4 MiB each would be 16 GiB waiting for one slow peer. Each message is
// weighed when it is sent, as the frame it will make (at most), and its
// weight is reserved in the peer's byte budget before it is queued; the
// writer gives the weights of a batch back once it is done with the batch,
// as a batch keeps its slots until then. A message that finds the budget
// spent is treated as one that finds the queue full (Config.Overflow).

// frameOverhead bounds the bytes of a Message frame but for its strings
// and payload: length prefix, array headers, frame type, string headers,
// request id.
const frameOverhead = 32

// encoded is the payload of a message whose type neither a wire.PlainCodec
// nor a wire.Sizer can weigh (an interface inside, a type with its own
// msgpack methods): weighing it means encoding it, so it is encoded once,
// when sent, and the writer writes these bytes. The value is kept for a
// dead letter.
type encoded struct {
	v   any
	raw wire.EncodedPayload
}

// value returns the message as its sender sent it.
func (m *outMsg) value() any {
	if e, ok := m.msg.(*encoded); ok {
		return e.v
	}
	return m.msg
}

// byteBudget is a peer's count of the bytes its data lane holds, and the
// senders waiting for room in it.
type byteBudget struct {
	used   atomic.Int64 // bytes reserved by queued messages, and those in the writer's hands
	limit  int64        // Config.OutboundBytes
	wanted atomic.Bool  // room is not nil: release must wake it
	full   atomic.Uint64
	mu     sync.Mutex
	room   chan struct{} // closed when bytes are given back; nil while no sender waits
}

// weigh sets m.size, the bytes the frame of m will take, at most, and
// reserves them, waiting for them as the queue waits for a slot: only
// under Block when wait is true, until ctx is done. A queue holding
// nothing takes any message, so the bound never refuses one message that
// fits in a frame. It reports whether m was reserved; if not, err is the
// refusal, nil when m became a dead letter (a drop policy, or a payload
// that cannot be encoded). enqueue runs the common case, a plain struct
// and room, itself, for every message (see there).
func (p *peer) weigh(ctx context.Context, wait bool, m *outMsg) (bool, error) {
	m.size = frameOverhead + len(m.target) + len(m.sender) + len(m.info.name)
	n := m.info.maxSize(m.msg)
	if n < 0 {
		return p.weighEncoded(ctx, wait, m)
	}
	m.size += n
	return p.reserve(ctx, wait, m)
}

// weighEncoded is weigh for a payload msgpack encodes: it is encoded here,
// once, and the writer writes these bytes.
func (p *peer) weighEncoded(ctx context.Context, wait bool, m *outMsg) (bool, error) {
	raw, err := p.n.encodePayload(m.msg)
	if err != nil {
		p.drop(*m, err)
		return false, nil
	}
	m.size += raw.Len()
	m.msg = &encoded{v: m.msg, raw: raw}
	return p.reserve(ctx, wait, m)
}

// maxSize bounds the payload bytes of v, a value of the type, by its
// codec or its sizer; -1 when neither can, and v must be encoded to know.
func (t *typeInfo) maxSize(v any) int {
	if t.codec != nil {
		return t.codec.MaxSize(v)
	}
	if t.sizer != nil {
		return t.sizer.MaxSize(v)
	}
	return -1
}

// encodePayload encodes v with one of the node's spare encoders.
func (n *Node) encodePayload(v any) (wire.EncodedPayload, error) {
	e := n.encoders.Get()
	raw, err := e.EncodePayload(v)
	n.encoders.Put(e)
	return raw, err
}

// reserve takes m.size bytes from the budget, as weigh says.
func (p *peer) reserve(ctx context.Context, wait bool, m *outMsg) (bool, error) {
	b := &p.bytes
	limit, size := b.limit, int64(m.size)
	counted := false
	for {
		used := b.used.Load()
		if used == 0 || used+size <= limit {
			if b.used.CompareAndSwap(used, used+size) {
				return true, nil
			}
			continue
		}
		if !counted {
			counted = true
			b.full.Add(1)
			if p.n.rare.queueBytes.allow() {
				p.n.log.Warn("remote: outbound queue full of bytes", "peer", p.addr,
					"bytes", used, "max", limit, "overflow", p.n.cfg.Overflow)
			}
		}
		switch over := p.n.cfg.Overflow; {
		case over == mailbox.DropNewest, over == mailbox.DropOldest:
			// DropOldest drops the message sent too: the oldest may be
			// in the writer's hands already, and dropping it frees nothing.
			p.drop(*m, fmt.Errorf("%w: %d bytes waiting, at most %d", ErrQueueFull, used, limit))
			return false, nil
		case over == mailbox.Reject, !wait:
			return false, fmt.Errorf("%w: %d bytes waiting for %s, at most %d", mailbox.ErrFull, used, p.addr, limit)
		}
		b.mu.Lock()
		if b.room == nil {
			b.room = make(chan struct{})
			b.wanted.Store(true)
		}
		room := b.room
		b.mu.Unlock()
		if used := b.used.Load(); used == 0 || used+size <= limit {
			continue // given back before wanted was set: release did not see it
		}
		select {
		case <-room:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// release gives n bytes back to the budget and wakes the senders waiting
// for room.
func (p *peer) release(n int) {
	if n == 0 {
		return
	}
	b := &p.bytes
	b.used.Add(-int64(n))
	if b.wanted.Load() {
		b.mu.Lock()
		if b.room != nil {
			close(b.room)
			b.room = nil
			b.wanted.Store(false)
		}
		b.mu.Unlock()
	}
}

// encoderPool holds the encoders that weigh payloads, one per sender at a
// time.
type encoderPool struct {
	max  int // Config.MaxFrameSize
	pool sync.Pool
}

func (ep *encoderPool) Get() *wire.Encoder {
	if e, ok := ep.pool.Get().(*wire.Encoder); ok {
		return e
	}
	return wire.NewEncoder(ep.max)
}

func (ep *encoderPool) Put(e *wire.Encoder) { ep.pool.Put(e) }

// weighReply sets the answer v of reply f, weighed as a Message is: the
// control lane is bounded in bytes too, since a peer that sends requests
// and does not read could otherwise make this node hold its answers. A
// payload msgpack encodes is encoded here, once; one that cannot be is
// left to the writer, which answers with the encoder's error.
func (p *peer) weighReply(f *ctlFrame, v any) {
	f.msg = v
	f.size = frameOverhead + len(f.info.name) + len(f.text)
	if n := f.info.maxSize(v); n >= 0 {
		f.size += n
		return
	}
	raw, err := p.n.encodePayload(v)
	if err != nil {
		return
	}
	f.size += raw.Len()
	f.msg = msgpack.RawMessage(raw.Bytes()) // written as it is
}
