package wire

import (
	"bytes"
	"fmt"
	"io"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// A Decoder reads frame bodies into their Go types, with a msgpack decoder
// it reuses. It decodes the protocol's own fields only, each into a string,
// an unsigned integer or a fixed-size byte array, never into interface{};
// a payload is not decoded at all but returned as the sub-slice of the body
// that holds it (no copy), for the caller to decode into the type the
// frame names.
//
// Frames from a Reader have passed Check before they reach a Decoder; the
// Decoder is safe on unchecked bytes too, since it reads nothing but the
// fields it expects. Every error wraps ErrMalformed, except those of the
// handshake bodies' magic and version (ErrBadMagic, ErrVersion) and
// ErrUnexpectedFrame for a frame of another type.
//
// A Reader embeds a Decoder. The zero Decoder is ready to use. A Decoder is
// not safe for concurrent use.
type Decoder struct {
	src  bytes.Reader
	dec  *msgpack.Decoder
	body []byte

	// The payload decoder, apart from the body's: it runs inside handlers.
	psrc bytes.Reader
	pdec *msgpack.Decoder

	// The strings decoded last: a connection carries the same actor IDs
	// and type names frame after frame, and each one met again is not
	// allocated again.
	names [4]string
	next  int // the entry of names to replace on a miss

	// Trust in what was checked: checked is the body of the frame parse
	// read last, which passed Check; trusted says the body being decoded
	// is that one (not a Frame made by hand); last is the payload rest
	// took from it, which DecodePayload need not check again.
	checked []byte
	trusted bool
	last    []byte

	// Bodies Dispatch decodes into and hands to the handlers.
	msg        Message
	reply      Reply
	watch      Watch
	terminated Terminated
	stop       Stop
	spawn      Spawn
	spawned    Spawned
	close      Close
	ack        Ack
}

// NewDecoder returns a Decoder, ready as the zero Decoder is.
func NewDecoder() *Decoder {
	d := new(Decoder)
	d.init()
	return d
}

// init makes the msgpack decoders, once.
func (d *Decoder) init() {
	if d.dec == nil {
		d.dec = msgpack.NewDecoder(&d.src) // a bytes.Reader: the decoder adds no buffering
		d.pdec = msgpack.NewDecoder(&d.psrc)
	}
}

// DecodePayload decodes a payload into v, a pointer to the concrete type
// registered under the frame's type name; never a pointer to interface{}.
// It runs Check first, unless p is the payload of the Message this
// Decoder's Reader read last, which was checked with its frame. It requires
// the value to fill the payload exactly, and turns a panic inside msgpack
// into an error: msgpack/v5 panics on some valid input, such as a nil where
// a struct field of type time.Time is expected. Its errors wrap ErrPayload.
func (d *Decoder) DecodePayload(p []byte, v any) (err error) {
	if !d.isLast(p) {
		if err := Check(p); err != nil {
			return fmt.Errorf("%w: %w", ErrPayload, err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoding %T: msgpack panicked: %v", ErrPayload, v, r)
		}
	}()
	d.init()
	d.psrc.Reset(p)
	if err := d.pdec.Decode(v); err != nil {
		return fmt.Errorf("%w: decoding %T: %w", ErrPayload, v, err)
	}
	if d.psrc.Len() != 0 {
		return fmt.Errorf("%w: decoding %T: %d bytes left over", ErrPayload, v, d.psrc.Len())
	}
	return nil
}

// parse reads the frame's [type, body] header; b has passed Check.
func (d *Decoder) parse(b []byte) (Frame, error) {
	d.init()
	d.body = b
	d.src.Reset(b)
	n, err := d.arrayLen()
	if err != nil {
		return Frame{}, err
	}
	if n != 2 {
		return Frame{}, malformed("frame is an array of %d elements, want 2", n)
	}
	t, err := d.uint(0xff)
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Type: FrameType(t), Body: b[d.pos():]}
	d.checked, d.last = f.Body, nil
	if !f.Type.Known() {
		return Frame{}, fmt.Errorf("%w: %d", ErrUnknownFrame, t)
	}
	if len(f.Body) == 0 || !isArray(f.Body[0]) {
		return Frame{}, malformed("%s body is not an array", f.Type)
	}
	return f, nil
}

// open starts decoding the body of f, which must be of one of the types
// want, and returns its element count.
func (d *Decoder) open(f Frame, want ...FrameType) (int, error) {
	ok := false
	for _, t := range want {
		ok = ok || f.Type == t
	}
	if !ok {
		return 0, fmt.Errorf("%w: %s, want %s", ErrUnexpectedFrame, f.Type, want[0])
	}
	d.init()
	d.body = f.Body
	d.src.Reset(f.Body)
	d.trusted = sameSlice(f.Body, d.checked)
	return d.arrayLen()
}

// openN is open for a body that must have exactly n elements.
func (d *Decoder) openN(f Frame, n int, want ...FrameType) error {
	got, err := d.open(f, want...)
	if err != nil {
		return err
	}
	if got != n {
		return malformed("%s body of %d elements, want %d", f.Type, got, n)
	}
	return nil
}

// pos returns the offset in d.body of the next byte to decode.
func (d *Decoder) pos() int { return len(d.body) - d.src.Len() }

// peek returns the first byte of the next value, read from the body
// itself: cheaper than asking the msgpack decoder.
func (d *Decoder) peek() (byte, error) {
	at := d.pos()
	if at >= len(d.body) {
		return 0, malformed("body ends at offset %d, a value expected", at)
	}
	return d.body[at], nil
}

func isArray(c byte) bool {
	return msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32
}

func (d *Decoder) arrayLen() (int, error) {
	c, err := d.peek()
	if err != nil {
		return 0, err
	}
	if msgpcode.IsFixedArray(c) { // every array of the protocol's own
		d.src.ReadByte()
		return int(c & 0x0f), nil
	}
	if !isArray(c) {
		return 0, malformed("array expected at offset %d, found 0x%02x", d.pos(), c)
	}
	n, err := d.dec.DecodeArrayLen()
	if err != nil {
		return 0, malformed("%v", err)
	}
	return n, nil
}

// uint decodes an integer of any msgpack format whose value is between 0
// and limit.
func (d *Decoder) uint(limit uint64) (uint64, error) {
	at := d.pos()
	c, err := d.peek()
	if err != nil {
		return 0, err
	}
	var v uint64
	switch {
	case c <= 0x7f: // a positive fixint, the most common by far
		d.src.ReadByte()
		v = uint64(c)
	case c >= msgpcode.Uint8 && c <= msgpcode.Uint64:
		v, err = d.dec.DecodeUint64()
	case c >= msgpcode.Int8 && c <= msgpcode.Int64:
		var s int64
		s, err = d.dec.DecodeInt64()
		if err == nil && s < 0 {
			return 0, malformed("negative integer %d at offset %d", s, at)
		}
		v = uint64(s)
	default:
		return 0, malformed("integer expected at offset %d, found 0x%02x", at, c)
	}
	if err != nil {
		return 0, malformed("%v", err)
	}
	if v > limit {
		return 0, malformed("integer %d at offset %d is over %d", v, at, limit)
	}
	return v, nil
}

// str decodes a string of the protocol's own fields, read with the same
// str as a plain payload's.
func (d *Decoder) str() (string, error) {
	at := d.pos()
	b, next, ok := str(d.body, at)
	if !ok {
		return "", d.notStr(at)
	}
	s := d.intern(b)
	d.skipTo(next)
	return s, nil
}

// notStr says why no string could be read at offset at.
func (d *Decoder) notStr(at int) error {
	c, err := d.peek()
	switch {
	case err != nil:
		return err
	case msgpcode.IsString(c):
		return malformed("string at offset %d: its header or its bytes overrun the body", at)
	}
	return malformed("string expected at offset %d, found 0x%02x", at, c)
}

// intern returns b as a string, the one decoded before if it is among the
// last few: no allocation for a name seen again.
func (d *Decoder) intern(b []byte) string {
	for _, s := range d.names {
		if s == string(b) { // compiled to a comparison: no conversion
			return s
		}
	}
	s := string(b)
	d.names[d.next] = s
	d.next = (d.next + 1) % len(d.names)
	return s
}

// skipTo moves the body's reader to offset end, at or before the body's
// end.
func (d *Decoder) skipTo(end int) {
	d.src.Reset(d.body)
	d.src.Seek(int64(end), io.SeekStart) // within the body: cannot fail
}

// bin decodes a bin of exactly len(dst) bytes into dst.
func (d *Decoder) bin(dst []byte) error { return d.binOf(dst, false) }

// binOf decodes a bin of exactly len(dst) bytes into dst, or, if empty is
// set, of no bytes (dst is left alone).
func (d *Decoder) binOf(dst []byte, empty bool) error {
	at := d.pos()
	c, err := d.peek()
	if err != nil {
		return err
	}
	if !msgpcode.IsBin(c) {
		return malformed("bin expected at offset %d, found 0x%02x", at, c)
	}
	n, err := d.dec.DecodeBytesLen()
	if err != nil {
		return malformed("%v", err)
	}
	if n == 0 && empty {
		return nil
	}
	if n != len(dst) {
		return malformed("bin of %d bytes at offset %d, want %d", n, at, len(dst))
	}
	if err := d.dec.ReadFull(dst); err != nil {
		return malformed("bin at offset %d: %v", at, err)
	}
	return nil
}

// optBin decodes a bin of either no bytes (dst is left as it is) or
// exactly len(dst) bytes into dst.
func (d *Decoder) optBin(dst []byte) error {
	return d.binOf(dst, true)
}

// raw returns the next value, whatever it is, as a sub-slice of the body.
// rest returns the value at the reader's position, the last of its frame,
// without walking it: Check found the frame to end where that value ends.
// The payload of a Message is such a value.
func (d *Decoder) rest() (msgpack.RawMessage, error) {
	if !d.trusted {
		return d.raw()
	}
	at := d.pos()
	if at >= len(d.body) {
		return nil, malformed("body ends at offset %d, a value expected", at)
	}
	d.skipTo(len(d.body))
	d.last = d.body[at:len(d.body):len(d.body)]
	return msgpack.RawMessage(d.last), nil
}

// isLast reports whether p is the payload rest returned last, part of a
// frame that passed Check.
func (d *Decoder) isLast(p []byte) bool { return d.trusted && sameSlice(p, d.last) }

// sameSlice reports whether a and b are the same non-empty bytes in
// memory.
func sameSlice(a, b []byte) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

func (d *Decoder) raw() (msgpack.RawMessage, error) {
	at := d.pos()
	end, err := walk(d.body, at, MaxDepth)
	if err != nil {
		return nil, err
	}
	if _, err := d.src.Seek(int64(end), io.SeekStart); err != nil {
		return nil, malformed("%v", err)
	}
	return msgpack.RawMessage(d.body[at:end:end]), nil
}

// code decodes a Code.
func (d *Decoder) code() (Code, error) {
	v, err := d.uint(1<<32 - 1)
	return Code(v), err
}

// empty checks that f is of type t with an empty body.
func (d *Decoder) empty(f Frame, t FrameType) error {
	return d.openN(f, 0, t)
}

// strs decodes consecutive strings into the pointers given.
func (d *Decoder) strs(dst ...*string) error {
	for _, p := range dst {
		s, err := d.str()
		if err != nil {
			return err
		}
		*p = s
	}
	return nil
}
