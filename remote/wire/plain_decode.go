package wire

import (
	"encoding/binary"
	"math"
	"reflect"
	"unsafe"
)

// Decode decodes payload p into *v, where v is a pointer to a value of the
// codec's type, as msgpack would, and reports true; or it declines and
// reports false, having perhaps written part of *v. It declines whatever is
// not the exact shape Append writes, give or take the integer formats,
// the order and repetition of keys, and keys of no field (skipped, as
// msgpack skips them): another format for a value (a nil, a float where an
// integer is expected, an array for a struct), an integer out of its
// field's range, a float32 NaN, bytes after the value, anything Check
// would refuse. On false, decode p with DecodePayload into a fresh zero
// value: that gives the value, or the error, that msgpack gives.
//
// Decode reads p within its bounds only, never panics, and allocates only
// the strings it decodes.
func (c *PlainCodec) Decode(p []byte, v any) bool {
	if reflect.TypeOf(v) != c.ptr {
		return false
	}
	dst := dataOf(&v)
	if dst == nil {
		return false
	}
	end, ok := c.root.decode(p, 0, dst, 1)
	return ok && end == len(p)
}

// decode decodes the map at p[i] into the struct at dst, at nesting depth
// (1 for the payload's own map), and returns the offset after it.
func (s *plainStruct) decode(p []byte, i int, dst unsafe.Pointer, depth int) (int, bool) {
	n, i, ok := mapLen(p, i)
	if !ok {
		return 0, false
	}
	for pair := 0; pair < n; pair++ {
		var key []byte
		if key, i, ok = str(p, i); !ok {
			return 0, false
		}
		f := s.field(key, pair)
		if f == nil {
			// An unknown key: msgpack skips its value. walk checks it as
			// Check would, within the depth left.
			end, err := walk(p, i, maxPayloadDepth-depth)
			if err != nil {
				return 0, false
			}
			i = end
			continue
		}
		if i, ok = f.decode(p, i, unsafe.Add(dst, f.off), depth); !ok {
			return 0, false
		}
	}
	return i, true
}

// field returns the field named key, or nil; the field of index hint is
// tried first, since payloads usually list the fields in order.
func (s *plainStruct) field(key []byte, hint int) *plainField {
	if hint < len(s.fields) && s.fields[hint].name == string(key) {
		return &s.fields[hint]
	}
	if s.byName != nil {
		if i, ok := s.byName[string(key)]; ok {
			return &s.fields[i]
		}
		return nil
	}
	for i := range s.fields {
		if s.fields[i].name == string(key) {
			return &s.fields[i]
		}
	}
	return nil
}

// decode decodes the value at p[i] into the field at at.
func (f *plainField) decode(p []byte, i int, at unsafe.Pointer, depth int) (int, bool) {
	if i >= len(p) {
		return 0, false
	}
	switch f.kind {
	case plainBool:
		switch p[i] {
		case 0xc2:
			*(*bool)(at) = false
		case 0xc3:
			*(*bool)(at) = true
		default:
			return 0, false
		}
		return i + 1, true
	case plainFloat32:
		if p[i] != 0xca || len(p)-i < 5 {
			return 0, false
		}
		bits := binary.BigEndian.Uint32(p[i+1:])
		if isNaN32(bits) {
			return 0, false
		}
		*(*float32)(at) = math.Float32frombits(bits)
		return i + 5, true
	case plainFloat64:
		if p[i] != 0xcb || len(p)-i < 9 {
			return 0, false
		}
		*(*float64)(at) = math.Float64frombits(binary.BigEndian.Uint64(p[i+1:]))
		return i + 9, true
	case plainString:
		b, next, ok := str(p, i)
		if !ok {
			return 0, false
		}
		*(*string)(at) = string(b)
		return next, true
	case plainStructKind:
		return f.sub.decode(p, i, at, depth+1)
	}
	u, neg, next, ok := integer(p, i)
	if !ok {
		return 0, false
	}
	// u is the value if !neg, else the two's complement of a negative one.
	switch f.kind {
	case plainInt8:
		if !fits(u, neg, math.MinInt8, math.MaxInt8) {
			return 0, false
		}
		*(*int8)(at) = int8(u)
	case plainInt16:
		if !fits(u, neg, math.MinInt16, math.MaxInt16) {
			return 0, false
		}
		*(*int16)(at) = int16(u)
	case plainInt32:
		if !fits(u, neg, math.MinInt32, math.MaxInt32) {
			return 0, false
		}
		*(*int32)(at) = int32(u)
	case plainInt64:
		if !fits(u, neg, math.MinInt64, math.MaxInt64) {
			return 0, false
		}
		*(*int64)(at) = int64(u)
	case plainUint8:
		if neg || u > math.MaxUint8 {
			return 0, false
		}
		*(*uint8)(at) = uint8(u)
	case plainUint16:
		if neg || u > math.MaxUint16 {
			return 0, false
		}
		*(*uint16)(at) = uint16(u)
	case plainUint32:
		if neg || u > math.MaxUint32 {
			return 0, false
		}
		*(*uint32)(at) = uint32(u)
	case plainUint64:
		if neg {
			return 0, false
		}
		*(*uint64)(at) = u
	default:
		return 0, false
	}
	return next, true
}

// fits reports whether the integer (u, neg) of integer lies in [lo, hi].
func fits(u uint64, neg bool, lo, hi int64) bool {
	if neg {
		return int64(u) >= lo
	}
	return u <= uint64(hi)
}

// integer reads an integer of any msgpack int format at p[i]. A negative
// value comes back as neg and its two's complement in u; a non-negative
// one as its value in u, also a uint64 over math.MaxInt64.
func integer(p []byte, i int) (u uint64, neg bool, next int, ok bool) {
	if i >= len(p) {
		return 0, false, 0, false
	}
	c := p[i]
	switch {
	case c <= 0x7f:
		return uint64(c), false, i + 1, true
	case c >= 0xe0:
		return uint64(int64(int8(c))), true, i + 1, true
	}
	var size int
	switch c {
	case 0xcc, 0xd0:
		size = 1
	case 0xcd, 0xd1:
		size = 2
	case 0xce, 0xd2:
		size = 4
	case 0xcf, 0xd3:
		size = 8
	default:
		return 0, false, 0, false
	}
	if len(p)-i-1 < size {
		return 0, false, 0, false
	}
	b := p[i+1 : i+1+size]
	var s int64 // the value of a signed format
	switch c {
	case 0xcc:
		u = uint64(b[0])
	case 0xcd:
		u = uint64(binary.BigEndian.Uint16(b))
	case 0xce:
		u = uint64(binary.BigEndian.Uint32(b))
	case 0xcf:
		u = binary.BigEndian.Uint64(b)
	case 0xd0:
		s = int64(int8(b[0]))
	case 0xd1:
		s = int64(int16(binary.BigEndian.Uint16(b)))
	case 0xd2:
		s = int64(int32(binary.BigEndian.Uint32(b)))
	case 0xd3:
		s = int64(binary.BigEndian.Uint64(b))
	}
	if c >= 0xd0 {
		u, neg = uint64(s), s < 0
	}
	return u, neg, i + 1 + size, true
}

// mapLen reads a map header at p[i]: its pair count and the offset after
// it. A count larger than the bytes left could hold is no problem: the
// pairs run out of bytes first.
func mapLen(p []byte, i int) (n, next int, ok bool) {
	if i >= len(p) {
		return 0, 0, false
	}
	c := p[i]
	switch {
	case c >= 0x80 && c <= 0x8f:
		return int(c & 0x0f), i + 1, true
	case c == 0xde && len(p)-i >= 3:
		return int(binary.BigEndian.Uint16(p[i+1:])), i + 3, true
	case c == 0xdf && len(p)-i >= 5:
		n := binary.BigEndian.Uint32(p[i+1:])
		if uint64(n) > uint64(len(p)) { // not even a byte a pair
			return 0, 0, false
		}
		return int(n), i + 5, true
	}
	return 0, 0, false
}

// str reads a msgpack str (not a bin, not a nil) at p[i]: its bytes, a
// sub-slice of p, and the offset after it.
func str(p []byte, i int) (b []byte, next int, ok bool) {
	if i >= len(p) {
		return nil, 0, false
	}
	c := p[i]
	var n uint64
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n, i = uint64(c&0x1f), i+1
	case c == 0xd9 && len(p)-i >= 2:
		n, i = uint64(p[i+1]), i+2
	case c == 0xda && len(p)-i >= 3:
		n, i = uint64(binary.BigEndian.Uint16(p[i+1:])), i+3
	case c == 0xdb && len(p)-i >= 5:
		n, i = uint64(binary.BigEndian.Uint32(p[i+1:])), i+5
	default:
		return nil, 0, false
	}
	if n > uint64(len(p)-i) {
		return nil, 0, false
	}
	end := i + int(n)
	return p[i:end:end], end, true
}
