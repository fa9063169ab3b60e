package wire

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
)

// ReadBufferSize is the size of the bufio.Reader a Reader puts in front of
// its connection: many small frames are read with one system call.
const ReadBufferSize = 64 << 10

// keepBufferSize is the largest frame buffer a Reader keeps between frames;
// a larger frame gets a buffer of its own, dropped after it, so that one big
// frame does not pin megabytes to an idle connection.
const keepBufferSize = 64 << 10

// A Reader reads frames from a connection: the length prefix, then the
// frame, refused before any allocation if it is empty or over the maximum
// size; then Check, then the [type, body] header. It embeds the Decoder
// that decodes the bodies, so a receive loop is
//
//	for {
//		f, err := r.ReadFrame()
//		if err != nil {
//			return err
//		}
//		if err := r.Dispatch(f, &handlers); err != nil {
//			return err
//		}
//	}
//
// where handlers.Message looks m.Type up in the node's registry and calls
// r.DecodePayload(m.Payload, ptr) with a pointer to a new value of that
// type, before it returns.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	Decoder
	r   *bufio.Reader
	max int
	hdr [HeaderSize]byte
	buf []byte
}

// NewReader returns a Reader of frames of at most maxFrameSize bytes
// (length prefix excluded; zero or less means DefaultMaxFrameSize) from r,
// which it wraps in a bufio.Reader of ReadBufferSize bytes unless r is a
// *bufio.Reader already.
func NewReader(r io.Reader, maxFrameSize int) *Reader {
	if maxFrameSize <= 0 {
		maxFrameSize = DefaultMaxFrameSize
	}
	if maxFrameSize > math.MaxUint32 {
		maxFrameSize = math.MaxUint32
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, ReadBufferSize)
	}
	return &Reader{r: br, max: maxFrameSize}
}

// Buffered reports whether the next frame is wholly in the read buffer,
// so that ReadFrame will return it without reading from the connection.
// A receive loop that acknowledges what it has read does so when this is
// false: before it waits for the peer, never in the middle of a burst.
func (r *Reader) Buffered() bool {
	n := r.r.Buffered()
	if n < HeaderSize {
		return false
	}
	hdr, _ := r.r.Peek(HeaderSize) // buffered already: Peek does not read
	return uint64(n-HeaderSize) >= uint64(binary.BigEndian.Uint32(hdr))
}

// ReadFrame reads the next frame. Its Body, and every Payload decoded from
// it, are valid until the next ReadFrame.
//
// Errors: io.EOF when the connection ends cleanly between frames; an error
// wrapping io.ErrUnexpectedEOF when it ends inside one; ErrEmptyFrame,
// ErrFrameTooLarge, ErrMalformed (Check failed, or not [type, array]),
// ErrUnknownFrame; or the connection's own error (a timeout, for
// instance). After any error the stream cannot be resumed: part of a
// frame may have been consumed.
func (r *Reader) ReadFrame() (Frame, error) {
	r.checked, r.last = nil, nil // the buffer is about to be overwritten
	b, err := readFrame(r.r, &r.hdr, r.buf, r.max)
	if err != nil {
		return Frame{}, err
	}
	if cap(b) <= keepBufferSize {
		r.buf = b
	}
	if err := Check(b); err != nil {
		return Frame{}, err
	}
	return r.parse(b)
}
