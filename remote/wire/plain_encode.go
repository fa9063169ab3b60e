package wire

import (
	"encoding/binary"
	"math"
	"reflect"
	"unsafe"
)

// plainResult is how an append by a plan ended.
type plainResult uint8

const (
	plainDone     plainResult = iota // the value is appended
	plainDeclined                    // a value msgpack must write: nothing is
	plainOver                        // the value passes the limit: nothing is
)

// Append appends the msgpack encoding of v, which must hold a value of the
// codec's type (not a pointer to one), to b: the bytes msgpack/v5 writes
// with compact integers, as the Encoder configures it. It reports false,
// with b as it was, if v holds another type or a value the codec leaves to
// msgpack: a float32 NaN, whose bits msgpack's conversions may change.
func (c *PlainCodec) Append(b []byte, v any) ([]byte, bool) {
	out, res := c.append(b, v, math.MaxInt)
	return out, res == plainDone
}

// append is Append with a limit on the length of the result.
func (c *PlainCodec) append(b []byte, v any, limit int) ([]byte, plainResult) {
	if reflect.TypeOf(v) != c.typ {
		return b, plainDeclined
	}
	return c.root.append(b, dataOf(&v), limit)
}

// append appends the struct at p. Before a string is appended, the result
// is checked against limit, so that a string too long for a frame does not
// grow the buffer first; the caller checks the whole result, which is
// well-formed by construction: a map header of the field count, each key
// and each value complete with their length headers, no nesting deeper
// than the plan's (at most maxPayloadDepth).
func (s *plainStruct) append(b []byte, p unsafe.Pointer, limit int) ([]byte, plainResult) {
	start := len(b)
	b = append(b, s.head...)
	for i := range s.fields {
		f := &s.fields[i]
		b = append(b, f.key...)
		at := unsafe.Add(p, f.off)
		switch f.kind {
		case plainBool:
			if *(*bool)(at) {
				b = append(b, 0xc3)
			} else {
				b = append(b, 0xc2)
			}
		case plainInt8:
			b = appendInt(b, int64(*(*int8)(at)))
		case plainInt16:
			b = appendInt(b, int64(*(*int16)(at)))
		case plainInt32:
			b = appendInt(b, int64(*(*int32)(at)))
		case plainInt64:
			b = appendInt(b, *(*int64)(at))
		case plainUint8:
			b = appendUint(b, uint64(*(*uint8)(at)))
		case plainUint16:
			b = appendUint(b, uint64(*(*uint16)(at)))
		case plainUint32:
			b = appendUint(b, uint64(*(*uint32)(at)))
		case plainUint64:
			b = appendUint(b, *(*uint64)(at))
		case plainFloat32:
			bits := math.Float32bits(*(*float32)(at))
			if isNaN32(bits) {
				return b[:start], plainDeclined
			}
			b = binary.BigEndian.AppendUint32(append(b, 0xca), bits)
		case plainFloat64:
			b = binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(*(*float64)(at)))
		case plainString:
			str := *(*string)(at)
			if len(str) > limit-len(b)-strHeaderLen(len(str)) {
				return b[:start], plainOver
			}
			b = appendStr(b, str)
		case plainStructKind:
			var res plainResult
			if b, res = f.sub.append(b, at, limit); res != plainDone {
				return b[:start], res
			}
		}
	}
	return b, plainDone
}

// isNaN32 reports whether bits are those of a float32 NaN. msgpack writes
// a float32 field through a float64 (reflect's Value.Float) and may thus
// quiet a signalling NaN: the codec leaves NaNs to it, both ways.
func isNaN32(bits uint32) bool { return bits&0x7f800000 == 0x7f800000 && bits&0x007fffff != 0 }

// appendInt appends n in the smallest msgpack int format, as msgpack's
// EncodeInt (compact integers) does: a non-negative n as an unsigned one.
func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0:
		return appendUint(b, uint64(n))
	case n >= -32:
		return append(b, byte(n))
	case n >= math.MinInt8:
		return append(b, 0xd0, byte(n))
	case n >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

// strHeaderLen returns the size of the header appendStr writes for a
// string of n bytes.
func strHeaderLen(n int) int {
	switch {
	case n < 32:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	}
	return 5
}
