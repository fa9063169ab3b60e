package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// Plain payload types, as a node could register them.
type (
	// plainAll has a field of every plain kind.
	plainAll struct {
		B   bool
		I   int
		I8  int8
		I16 int16
		I32 int32
		I64 int64
		U   uint
		U8  uint8
		U16 uint16
		U32 uint32
		U64 uint64
		F32 float32
		F64 float64
		S   string
	}

	// plainPID is shaped as actor.PID.
	plainPID struct{ Address, ID string }

	// color is a named basic type with no msgpack methods.
	color int8

	// plainNested nests structs, renames keys and has fields msgpack does
	// not encode.
	plainNested struct {
		From  plainPID
		To    plainPID `msgpack:"to"`
		Color color
		Wait  time.Duration
		Inner struct {
			Deep struct {
				X    int16
				Name string `msgpack:"a key of more than thirty-one bytes"`
			}
		}
		Text   string `json:"text"` // msgpack reads no json tag unless told
		Label  string `msgpack:""`  // an empty name: the field's
		hidden []int
		_      int
	}

	// plainMany has enough fields for a map16 header.
	plainMany struct {
		A0, A1, A2, A3, A4, A5, A6, A7, A8 int32
		B0, B1, B2, B3, B4, B5, B6, B7, B8 string
	}
)

// plainTypes are the types the fuzz targets use, chosen by an index.
var plainTypes = []reflect.Type{
	reflect.TypeFor[plainAll](),
	reflect.TypeFor[plainPID](),
	reflect.TypeFor[plainNested](),
	reflect.TypeFor[plainMany](),
	reflect.TypeFor[Ping](),
}

// mustCodec returns the codec of t, failing if t is not plain.
func mustCodec(tb testing.TB, t reflect.Type) *wire.PlainCodec {
	tb.Helper()
	c := wire.NewPlainCodec(t)
	if c == nil {
		tb.Fatalf("%v is not plain", t)
	}
	return c
}

// plainCodecs are the codecs of plainTypes, made once: the fuzz targets
// would spend half their time making them.
var plainCodecs = sync.OnceValue(func() []*wire.PlainCodec {
	cs := make([]*wire.PlainCodec, len(plainTypes))
	for i, t := range plainTypes {
		if cs[i] = wire.NewPlainCodec(t); cs[i] == nil {
			panic(fmt.Sprintf("%v is not plain", t))
		}
	}
	return cs
})

// msgpackBytes encodes v as the Encoder's msgpack does: compact integers.
func msgpackBytes(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		tb.Fatalf("msgpack: %v", err)
	}
	return buf.Bytes()
}

// sameValue reports whether a and b, addressable values of one plain type,
// hold the same exported fields, floats compared bit for bit.
func sameValue(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() && !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Float32: // through memory: Value.Float may quiet a NaN
		return *(*uint32)(a.Addr().UnsafePointer()) == *(*uint32)(b.Addr().UnsafePointer())
	case reflect.Float64:
		return math.Float64bits(a.Float()) == math.Float64bits(b.Float())
	}
	return a.Equal(b)
}

// checkDecode decodes p into a fresh value of t with c and, if c takes it,
// with DecodePayload, which must succeed with the same value; p must then
// also pass Check. It reports whether c took p.
func checkDecode(tb testing.TB, c *wire.PlainCodec, t reflect.Type, p []byte) bool {
	tb.Helper()
	fast := reflect.New(t)
	if !c.Decode(p, fast.Interface()) {
		return false
	}
	if err := wire.Check(p); err != nil {
		tb.Fatalf("%v: the codec took % x, which Check refuses: %v", t, p, err)
	}
	slow := reflect.New(t)
	if err := wire.NewDecoder().DecodePayload(p, slow.Interface()); err != nil {
		tb.Fatalf("%v: the codec took % x, which msgpack refuses: %v", t, p, err)
	}
	if !sameValue(fast.Elem(), slow.Elem()) {
		tb.Fatalf("%v: from % x the codec decoded %+v, msgpack %+v", t, p, fast.Elem(), slow.Elem())
	}
	return true
}

// FuzzPlainCodecDecode decodes arbitrary bytes into one of plainTypes with
// its codec. The codec may decline; what it takes, msgpack must decode
// too, to the same value.
func FuzzPlainCodecDecode(f *testing.F) {
	for i, t := range plainTypes {
		v := reflect.New(t)
		fillValues(v.Elem(), valueSeeds[i%len(valueSeeds)])
		p := msgpackBytes(f, v.Elem().Interface())
		f.Add(p, uint8(i))
		f.Add(append(p, 0xc0), uint8(i))
	}
	for _, s := range decodeSeeds {
		for i := range plainTypes {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, p []byte, which uint8) {
		i := int(which) % len(plainTypes)
		checkDecode(t, plainCodecs()[i], plainTypes[i], p)
	})
}

// decodeSeeds are hand-made payloads for the decode target: other
// formats, unknown and repeated keys, bombs.
var decodeSeeds = [][]byte{
	{0x80},
	{0xc0},
	{0x90},
	{0xdf, 0xff, 0xff, 0xff, 0xff},
	{0xde, 0x00, 0x01, 0xa1, 'N', 0x05},
	{0x82, 0xa1, 'N', 0xd3, 0, 0, 0, 0, 0, 0, 0, 1, 0xa1, 'N', 0xcc, 0xff},
	{0x81, 0xa1, 'N', 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0},
	{0x81, 0xa1, 'N', 0xc0},
	{0x81, 0xa1, 'N', 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	{0x81, 0xa1, 'X', 0x92, 0x81, 0xa0, 0xc0, 0xc7, 0x01, 0x05, 0xaa},
	{0x81, 0xc4, 0x01, 'N', 0x01},
	{0x81, 0xa4, 'T', 'e', 'x', 't', 0xc4, 0x01, 'x'},
	{0x81, 0xa3, 'F', '3', '2', 0xca, 0x7f, 0x80, 0x00, 0x01},
	{0x81, 0xa3, 'F', '3', '2', 0xca, 0x7f, 0xc0, 0x00, 0x00},
	{0x81, 0xa3, 'F', '6', '4', 0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 1},
	{0x81, 0xa2, 'I', '8', 0xd1, 0x00, 0x7f},
	{0x81, 0xa2, 'U', '8', 0xff},
	{0x81, 0xa3, 'U', '6', '4', 0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	{0x82, 0xa4, 'F', 'r', 'o', 'm', 0x81, 0xa2, 'I', 'D', 0xa1, 'a', 0xa4, 'F', 'r', 'o', 'm', 0x81, 0xa7, 'A', 'd', 'd', 'r', 'e', 's', 's', 0xa1, 'b'},
	{0x81, 0xa5, 'I', 'n', 'n', 'e', 'r', 0x81, 0xa4, 'D', 'e', 'e', 'p', 0x81, 0xa1, 'X', 0xd0, 0x80},
	append([]byte{0x81, 0xa1, 'X'}, append(bytes.Repeat([]byte{0x91}, 70), 0xc0)...),
	{0x81, 0xa1, 'S', 0xc1},
}

// FuzzPlainCodecEncode builds values of plainTypes from arbitrary field
// values. Append must write exactly what msgpack writes, or decline for a
// float32 NaN only, and never more than MaxSize; a whole frame must be the same bytes, or the same
// error, with the codec as without it, also against a small frame limit;
// and the codec must decode its bytes back to the value.
func FuzzPlainCodecEncode(f *testing.F) {
	for _, s := range valueSeeds {
		f.Add(s.b, s.i, s.u, s.f32, s.f64, s.s1, s.s2, uint16(0))
	}
	f.Add(true, int64(-33), uint64(1<<32), uint32(0x7f800001), uint64(0x7ff0000000000001), "", strings.Repeat("x", 1<<16), uint16(40))
	f.Fuzz(func(t *testing.T, b bool, i int64, u uint64, f32 uint32, f64 uint64, s1, s2 string, limit uint16) {
		vals := fieldValues{b, i, u, f32, f64, s1, s2}
		for i, typ := range plainTypes {
			v := reflect.New(typ)
			fillValues(v.Elem(), vals)
			checkEncode(t, plainCodecs()[i], v, int(limit))
		}
	})
}

// checkEncode compares the codec with msgpack on the value v points to.
func checkEncode(tb testing.TB, c *wire.PlainCodec, v reflect.Value, limit int) {
	tb.Helper()
	val := v.Elem().Interface()
	want := msgpackBytes(tb, val)
	if n := c.MaxSize(val); n < len(want) {
		tb.Fatalf("MaxSize of %+v is %d, under the %d bytes written", val, n, len(want))
	}
	p, err := wire.NewEncoder(0).EncodePayload(val)
	if err != nil || !bytes.Equal(p.Bytes(), want) || p.Len() != len(want) {
		tb.Fatalf("EncodePayload of %+v: % x, %v; want % x", val, p.Bytes(), err, want)
	}
	pre, slow := wire.NewEncoder(0), wire.NewEncoder(0)
	m := &wire.Message{Target: "t", RequestID: 3, Type: "T"}
	if errA, errB := pre.AppendMessageEncoded(m, p), slow.AppendMessage(m, val); errA != nil || errB != nil || !bytes.Equal(pre.Bytes(), slow.Bytes()) {
		tb.Fatalf("AppendMessageEncoded: %v, %v:\n % x\nwant % x", errA, errB, pre.Bytes(), slow.Bytes())
	}
	got, ok := c.Append([]byte{0xee}, val)
	if !ok {
		if !hasNaN32(v.Elem()) {
			tb.Fatalf("Append declined %+v", val)
		}
		if !bytes.Equal(got, []byte{0xee}) {
			tb.Fatalf("Append declined and changed b: % x", got)
		}
	} else {
		if !bytes.Equal(got[1:], want) || got[0] != 0xee {
			tb.Fatalf("Append of %+v:\n got % x\nwant % x", val, got[1:], want)
		}
		back := reflect.New(v.Elem().Type())
		if !c.Decode(got[1:], back.Interface()) || !sameValue(back.Elem(), v.Elem()) {
			tb.Fatalf("Decode of its own % x: %+v, want %+v", got[1:], back.Elem(), val)
		}
	}
	checkDecode(tb, c, v.Elem().Type(), want)

	// Whole frames, also under a limit some payloads pass.
	for _, max := range []int{0, 60 + limit} {
		m := &wire.Message{Target: "t", Sender: "s", RequestID: 9, Type: "T"}
		plain, slow := wire.NewEncoder(max), wire.NewEncoder(max)
		errPlain, errSlow := plain.AppendMessageWith(m, c, val), slow.AppendMessage(m, val)
		sameFrames(tb, "Message", plain, slow, errPlain, errSlow)
		r := &wire.Reply{RequestID: 9, Type: "T", Error: "e"}
		errPlain, errSlow = plain.AppendReplyWith(r, c, val), slow.AppendReply(r, val)
		sameFrames(tb, "Reply", plain, slow, errPlain, errSlow)
	}
}

// sameFrames fails unless two Encoders hold the same bytes and their last
// appends failed alike.
func sameFrames(tb testing.TB, what string, a, b *wire.Encoder, errA, errB error) {
	tb.Helper()
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		tb.Fatalf("%s: with the codec %v, without %v", what, errA, errB)
	}
	if errA != nil && !errors.Is(errA, wire.ErrFrameTooLarge) {
		tb.Fatalf("%s: %v", what, errA)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		tb.Fatalf("%s frames differ:\n with % x\n  w/o % x", what, a.Bytes(), b.Bytes())
	}
}

// hasNaN32 reports whether the struct v holds a float32 NaN.
func hasNaN32(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && hasNaN32(v.Field(i)) {
				return true
			}
		}
	case reflect.Float32:
		return math.IsNaN(v.Float())
	}
	return false
}

// fieldValues are the fuzzer's values, spread over a struct's fields.
type fieldValues struct {
	b      bool
	i      int64
	u      uint64
	f32    uint32
	f64    uint64
	s1, s2 string
}

// valueSeeds are values at the edges of msgpack's formats.
var valueSeeds = []fieldValues{
	{false, 0, 0, 0, 0, "", ""},
	{true, 1, 127, 0x3fc00000, 0x3ff8000000000000, "a", "hi"},
	{true, -32, 128, 0x80000000, 0x8000000000000000, strings.Repeat("s", 31), strings.Repeat("t", 32)},
	{false, -33, 255, 0x7f800000, 0x7ff0000000000000, strings.Repeat("s", 255), strings.Repeat("t", 256)},
	{true, math.MinInt8 - 1, 1 << 16, 0x00000001, 1, strings.Repeat("s", 65535), "ü"},
	{false, math.MinInt32 - 1, math.MaxUint32 + 1, 0x7fc00000, 0x7ff8000000000001, "\xff", ""},
	{true, math.MinInt64, math.MaxUint64, 0xff800000, 0xfff0000000000000, "x", "y"},
	{false, math.MaxInt64, math.MaxInt64 + 1, 0x7f800001, 0x7ff0000000000001, "", "z"},
}

// fillValues sets the exported fields of struct v from vals: each integer
// field to vals.i or vals.u shifted right by a different amount (the first
// two not at all), so that one input covers several formats.
func fillValues(v reflect.Value, vals fieldValues) {
	shifts := []uint{0, 0, 1, 7, 8, 15, 16, 31, 32, 63}
	ints, uints, strs := 0, 0, 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			fv := v.Field(i)
			switch fv.Kind() {
			case reflect.Bool:
				fv.SetBool(vals.b != (i%2 == 0))
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				fv.SetInt(vals.i >> shifts[ints%len(shifts)]) // SetInt truncates to the field's size
				ints++
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				fv.SetUint(vals.u >> shifts[uints%len(shifts)])
				uints++
			case reflect.Float32:
				*(*uint32)(fv.Addr().UnsafePointer()) = vals.f32
			case reflect.Float64:
				fv.SetFloat(math.Float64frombits(vals.f64))
			case reflect.String:
				if strs++; strs%2 == 0 {
					fv.SetString(vals.s2)
				} else {
					fv.SetString(vals.s1)
				}
			case reflect.Struct:
				fill(fv)
			}
		}
	}
	fill(v)
}
