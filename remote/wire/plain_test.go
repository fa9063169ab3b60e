package wire_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/troupe-go/troupe/remote/wire"
	"github.com/vmihailenco/msgpack/v5"
)

// Types with the methods msgpack honours, by value or by pointer.
type (
	withCustomEncoder      struct{ N int }
	withCustomDecoder      struct{ N int }
	withMarshaler          struct{ N int }
	withUnmarshaler        struct{ N int }
	withBinaryMarshaler    struct{ N int }
	withBinaryUnmarshaler  struct{ N int }
	withTextMarshaler      struct{ N int }
	withTextUnmarshaler    struct{ N int }
	textColor              int
	registeredElsewhere    struct{ N int }
	registeredExtElsewhere struct{ N int }
	embeddedUnexported     struct{ N int }
	EmbeddedExported       struct{ N int }
	pointerShaped          struct{ p *int }
	withHiddenPointer      struct {
		p *int
		N int
	}
)

func (withCustomEncoder) EncodeMsgpack(*msgpack.Encoder) error  { return nil }
func (*withCustomDecoder) DecodeMsgpack(*msgpack.Decoder) error { return nil }
func (withMarshaler) MarshalMsgpack() ([]byte, error)           { return nil, nil }
func (*withUnmarshaler) UnmarshalMsgpack([]byte) error          { return nil }
func (withBinaryMarshaler) MarshalBinary() ([]byte, error)      { return nil, nil }
func (*withBinaryUnmarshaler) UnmarshalBinary([]byte) error     { return nil }
func (*withTextMarshaler) MarshalText() ([]byte, error)         { return nil, nil }
func (withTextUnmarshaler) UnmarshalText([]byte) error          { return nil }
func (textColor) MarshalText() ([]byte, error)                  { return []byte("red"), nil }

func init() {
	// Types handed to msgpack's own registries, as a program may do:
	// nothing in their method sets says so.
	msgpack.Register(registeredElsewhere{},
		func(e *msgpack.Encoder, v reflect.Value) error { return e.EncodeInt(v.Field(0).Int()) },
		func(d *msgpack.Decoder, v reflect.Value) error {
			n, err := d.DecodeInt64()
			v.Field(0).SetInt(n)
			return err
		})
	msgpack.RegisterExtEncoder(42, registeredExtElsewhere{},
		func(e *msgpack.Encoder, v reflect.Value) ([]byte, error) { return []byte{1}, nil })
}

// deepPlain returns a struct type nested n levels deep.
func deepPlain(n int) reflect.Type {
	t := reflect.TypeFor[int]()
	for range n {
		t = reflect.StructOf([]reflect.StructField{{Name: "X", Type: t}})
	}
	return t
}

func TestPlainCodecRefuses(t *testing.T) {
	for name, typ := range map[string]reflect.Type{
		"nil":                     nil,
		"int":                     reflect.TypeFor[int](),
		"string":                  reflect.TypeFor[string](),
		"pointer to struct":       reflect.TypeFor[*plainPID](),
		"slice field":             reflect.TypeFor[struct{ L []int }](),
		"bytes field":             reflect.TypeFor[struct{ B []byte }](),
		"map field":               reflect.TypeFor[struct{ M map[string]int }](),
		"pointer field":           reflect.TypeFor[struct{ P *int }](),
		"pointer to struct field": reflect.TypeFor[struct{ P *plainPID }](),
		"interface field":         reflect.TypeFor[struct{ A any }](),
		"array field":             reflect.TypeFor[struct{ A [2]int }](),
		"time.Time field":         reflect.TypeFor[struct{ T time.Time }](),
		"uintptr field":           reflect.TypeFor[struct{ U uintptr }](),
		"complex field":           reflect.TypeFor[struct{ C complex128 }](),
		"chan field":              reflect.TypeFor[struct{ C chan int }](),
		"func field":              reflect.TypeFor[struct{ F func() }](),
		"unsafe.Pointer field":    reflect.TypeFor[struct{ P unsafe.Pointer }](),
		"embedded exported":       reflect.TypeFor[struct{ EmbeddedExported }](),
		"embedded unexported":     reflect.TypeFor[struct{ embeddedUnexported }](),
		"embedded pointer":        reflect.TypeFor[struct{ *EmbeddedExported }](),
		"tag -": reflect.TypeFor[struct {
			N int `msgpack:"-"`
		}](),
		"tag omitempty": reflect.TypeFor[struct {
			N int `msgpack:",omitempty"`
		}](),
		"tag name,omitempty": reflect.TypeFor[struct {
			N int `msgpack:"n,omitempty"`
		}](),
		"tag as_array": reflect.TypeFor[struct {
			N int `msgpack:"n,as_array"`
		}](),
		"tag alias": reflect.TypeFor[struct {
			N int `msgpack:"n,alias:m"`
		}](),
		"tag intern": reflect.TypeFor[struct {
			S string `msgpack:",intern"`
		}](),
		"tag key:value": reflect.TypeFor[struct {
			N int `msgpack:"a:b"`
		}](),
		"tag quoted": reflect.TypeFor[struct {
			N int `msgpack:"'n'"`
		}](),
		"tag spaces": reflect.TypeFor[struct {
			N int `msgpack:" n"`
		}](),
		"_msgpack as_array": reflect.TypeFor[struct {
			_msgpack struct{} `msgpack:",as_array"`
			N        int
		}](),
		"_msgpack bare": reflect.TypeFor[struct {
			_msgpack struct{}
			N        int
		}](),
		"duplicate names": reflect.TypeFor[struct {
			A int
			B int `msgpack:"A"`
		}](),
		"CustomEncoder":              reflect.TypeFor[withCustomEncoder](),
		"CustomDecoder by pointer":   reflect.TypeFor[withCustomDecoder](),
		"Marshaler":                  reflect.TypeFor[withMarshaler](),
		"Unmarshaler by pointer":     reflect.TypeFor[withUnmarshaler](),
		"BinaryMarshaler":            reflect.TypeFor[withBinaryMarshaler](),
		"BinaryUnmarshaler pointer":  reflect.TypeFor[withBinaryUnmarshaler](),
		"TextMarshaler by pointer":   reflect.TypeFor[withTextMarshaler](),
		"TextUnmarshaler":            reflect.TypeFor[withTextUnmarshaler](),
		"nested with methods":        reflect.TypeFor[struct{ In withTextMarshaler }](),
		"deeply nested with methods": reflect.TypeFor[struct{ In struct{ M withMarshaler } }](),
		"named int with methods":     reflect.TypeFor[struct{ C textColor }](),
		"msgpack.Register":           reflect.TypeFor[registeredElsewhere](),
		"nested msgpack.Register":    reflect.TypeFor[struct{ R registeredElsewhere }](),
		"msgpack.RegisterExtEncoder": reflect.TypeFor[registeredExtElsewhere](),
		"pointer-shaped":             reflect.TypeFor[pointerShaped](),
		"nested too deep":            deepPlain(63),
	} {
		if c := wire.NewPlainCodec(typ); c != nil {
			t.Errorf("%s: %v is taken as plain", name, typ)
		}
	}
}

func TestPlainCodecTakes(t *testing.T) {
	for name, typ := range map[string]reflect.Type{
		"every kind":        reflect.TypeFor[plainAll](),
		"PID-shaped":        reflect.TypeFor[plainPID](),
		"nested and tagged": reflect.TypeFor[plainNested](),
		"many fields":       reflect.TypeFor[plainMany](),
		"empty":             reflect.TypeFor[struct{}](),
		"only unexported":   reflect.TypeFor[struct{ n, m int }](),
		"hidden pointer":    reflect.TypeFor[withHiddenPointer](),
		"json tag": reflect.TypeFor[struct {
			N int `json:"n,omitempty"`
		}](),
		"nested 62 deep": deepPlain(62),
	} {
		c := wire.NewPlainCodec(typ)
		if c == nil {
			t.Errorf("%s: %v is not taken as plain", name, typ)
			continue
		}
		for _, vals := range valueSeeds {
			v := reflect.New(typ)
			fillValues(v.Elem(), vals)
			checkEncode(t, c, v, 100)
		}
	}
}

// TestPlainCodecDecodeShapes runs the codec over payloads of other shapes
// than its own, each compared with msgpack; some it must take.
func TestPlainCodecDecodeShapes(t *testing.T) {
	all := mustCodec(t, reflect.TypeFor[plainAll]())
	typ := reflect.TypeFor[plainAll]()
	key := func(s string) []byte { return append([]byte{0xa0 | byte(len(s))}, s...) }
	pair := func(k string, v ...byte) []byte { return append(key(k), v...) }
	m := func(pairs ...[]byte) []byte {
		b := []byte{0x80 | byte(len(pairs))}
		for _, p := range pairs {
			b = append(b, p...)
		}
		return b
	}
	for _, c := range []struct {
		name string
		p    []byte
		take bool
	}{
		{"empty map", m(), true},
		{"keys out of order", m(pair("S", 0xa1, 'x'), pair("B", 0xc3)), true},
		{"a key twice: the last wins", m(pair("I", 0x01), pair("I", 0x02)), true},
		{"an unknown key skipped", m(pair("Z", 0x92, 0x81, 0xa0, 0xc0, 0xc7, 0x01, 0x05, 0xaa), pair("I", 0x07)), true},
		{"a wide format, small value", m(pair("I8", 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80)), true},
		{"a signed format for a uint", m(pair("U8", 0xd0, 0x7f)), true},
		{"map16 header", append([]byte{0xde, 0, 1}, pair("B", 0xc2)...), true},
		{"map32 header", append([]byte{0xdf, 0, 0, 0, 1}, pair("B", 0xc2)...), true},
		{"str8 value", m(pair("S", 0xd9, 1, 'x')), true},
		{"float32 infinity", m(pair("F32", 0xca, 0x7f, 0x80, 0, 0)), true},
		{"float64 NaN", m(pair("F64", 0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 1)), true},
		{"nil", []byte{0xc0}, false},
		{"array", []byte{0x90}, false},
		{"nothing", nil, false},
		{"nil value", m(pair("I", 0xc0)), false},
		{"float for int", m(pair("I", 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0)), false},
		{"int for float", m(pair("F64", 0x01)), false},
		{"float32 for float64", m(pair("F64", 0xca, 0x3f, 0xc0, 0, 0)), false},
		{"float32 signalling NaN", m(pair("F32", 0xca, 0x7f, 0x80, 0, 1)), false},
		{"int8 over its range", m(pair("I8", 0xcc, 0x80)), false},
		{"int16 under its range", m(pair("I16", 0xd2, 0xff, 0xff, 0x7f, 0xff)), false},
		{"negative uint", m(pair("U64", 0xff)), false},
		{"uint64 over int64", m(pair("I64", 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0)), false},
		{"bin for string", m(pair("S", 0xc4, 1, 'x')), false},
		{"nil for string", m(pair("S", 0xc0)), false},
		{"int for bool", m(pair("B", 0x01)), false},
		{"bin key", []byte{0x81, 0xc4, 1, 'I', 0x01}, false},
		{"nil key", []byte{0x81, 0xc0, 0x01}, false},
		{"bytes after", append(m(pair("I", 0x01)), 0xc0), false},
		{"truncated", m(pair("S", 0xa3, 'x')), false},
		{"too many pairs", []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'I', 0x01}, false},
		{"reserved byte skipped", m(pair("Z", 0xc1)), false},
		{"unknown value too deep", m(pair("Z", append(bytes.Repeat([]byte{0x91}, 62), 0xc0)...)), false},
	} {
		if got := checkDecode(t, all, typ, c.p); got != c.take {
			t.Errorf("%s: % x taken %v, want %v", c.name, c.p, got, c.take)
		}
	}
	nested := reflect.TypeFor[plainNested]()
	n := mustCodec(t, nested)
	// A struct field twice: msgpack decodes the second map into the struct
	// the first filled, and so does the codec.
	p := []byte{0x82,
		0xa4, 'F', 'r', 'o', 'm', 0x81, 0xa2, 'I', 'D', 0xa1, 'a',
		0xa4, 'F', 'r', 'o', 'm', 0x81, 0xa7, 'A', 'd', 'd', 'r', 'e', 's', 's', 0xa1, 'b'}
	if !checkDecode(t, n, nested, p) {
		t.Errorf("a struct field twice: declined")
	}
	for _, p := range [][]byte{
		{0x81, 0xa4, 'F', 'r', 'o', 'm', 0xc0},             // a nil struct
		{0x81, 0xa4, 'F', 'r', 'o', 'm', 0x92, 0xa0, 0xa0}, // a struct as an array
		{0x81, 0xa4, 'T', 'e', 'x', 't', 0xa0},             // the json tag's name is not the key...
	} {
		checkDecode(t, n, nested, p)
	}
	if !checkDecode(t, n, nested, []byte{0x81, 0xa4, 'T', 'e', 'x', 't', 0xa1, 'x'}) { // ...the field's is
		t.Errorf("the key Text: declined")
	}
}

func TestPlainCodecWrongType(t *testing.T) {
	c := mustCodec(t, reflect.TypeFor[plainPID]())
	if b, ok := c.Append([]byte{1}, &plainPID{ID: "a"}); ok || !bytes.Equal(b, []byte{1}) {
		t.Errorf("Append of a pointer: % x, %v", b, ok)
	}
	if _, ok := c.Append(nil, Ping{}); ok {
		t.Errorf("Append of another type: taken")
	}
	p := msgpackBytes(t, plainPID{ID: "a"})
	var pid plainPID
	if c.Decode(p, pid) || c.Decode(p, &Ping{}) || c.Decode(p, (*plainPID)(nil)) || c.Decode(p, nil) {
		t.Errorf("Decode took a value that is not a non-nil *plainPID")
	}
	// The Encoder falls back to msgpack for what the codec declines.
	e, want := wire.NewEncoder(0), wire.NewEncoder(0)
	m := &wire.Message{Target: "t", Type: "T"}
	if err := e.AppendMessageWith(m, c, Ping{N: 3}); err != nil {
		t.Fatal(err)
	}
	want.AppendMessage(m, Ping{N: 3})
	if !bytes.Equal(e.Bytes(), want.Bytes()) {
		t.Errorf("fallback: % x, want % x", e.Bytes(), want.Bytes())
	}
}

// TestPlainCodecFrameLimit: a payload over the frame limit fails as it does
// with msgpack, without growing the buffer by the string that passes it.
func TestPlainCodecFrameLimit(t *testing.T) {
	c := mustCodec(t, reflect.TypeFor[Ping]())
	big := Ping{Text: strings.Repeat("x", 1<<20)}
	e := wire.NewEncoder(1 << 10)
	if err := e.AppendHeartbeat(); err != nil {
		t.Fatal(err)
	}
	before := e.Bytes()
	err := e.AppendMessageWith(&wire.Message{Target: "t", Type: "Ping"}, c, big)
	if !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if !bytes.Equal(e.Bytes(), before) || e.Frames() != 1 {
		t.Fatalf("the failed frame was not rolled back: % x", e.Bytes())
	}
	if cap(e.Bytes()) >= 1<<20 {
		t.Errorf("the buffer grew to %d bytes", cap(e.Bytes()))
	}
	slow := wire.NewEncoder(1 << 10)
	if err2 := slow.AppendMessage(&wire.Message{Target: "t", Type: "Ping"}, big); err2.Error() != err.Error() {
		t.Errorf("with the codec %v, without %v", err, err2)
	}
}

// TestPlainCodecAllocs: encoding allocates nothing, decoding only the
// strings it decodes.
func TestPlainCodecAllocs(t *testing.T) {
	c := mustCodec(t, reflect.TypeFor[plainAll]())
	v := plainAll{I: -5, U: 300, F64: 1.5}
	var boxed any = v
	e := wire.NewEncoder(0)
	m := &wire.Message{Target: "t", Sender: "s", Type: "T"}
	if n := testing.AllocsPerRun(100, func() {
		e.Reset()
		if err := e.AppendMessageWith(m, c, boxed); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("AppendMessageWith: %v allocations", n)
	}
	p := msgpackBytes(t, v)
	var out plainAll
	if n := testing.AllocsPerRun(100, func() {
		if !c.Decode(p, &out) {
			t.Fatal("declined")
		}
	}); n != 0 {
		t.Errorf("Decode: %v allocations", n)
	}
	bomb := []byte{0xdf, 0xff, 0xff, 0xff, 0xff}
	if n := testing.AllocsPerRun(100, func() { c.Decode(bomb, &out) }); n != 0 {
		t.Errorf("Decode of a map bomb: %v allocations", n)
	}
}

// MaxSize weighs only values of its codec's type; EncodePayload refuses
// what AppendMessage refuses, and leaves the Encoder empty.
func TestMaxSizeAndEncodePayload(t *testing.T) {
	c := wire.NewPlainCodec(reflect.TypeFor[plainPID]())
	if n := c.MaxSize(plainAll{}); n != -1 {
		t.Fatalf("MaxSize of another type = %d, want -1", n)
	}
	if n := c.MaxSize(&plainPID{}); n != -1 {
		t.Fatalf("MaxSize of a pointer = %d, want -1", n)
	}
	e := wire.NewEncoder(1024)
	if _, err := e.EncodePayload(plainPID{ID: strings.Repeat("x", 1024)}); !errors.Is(err, wire.ErrFrameTooLarge) {
		t.Fatalf("EncodePayload over the frame size: %v, want ErrFrameTooLarge", err)
	}
	if _, err := e.EncodePayload(make(chan int)); !errors.Is(err, wire.ErrPayload) {
		t.Fatalf("EncodePayload of a channel: %v, want ErrPayload", err)
	}
	if e.Len() != 0 || e.Frames() != 0 {
		t.Fatalf("the Encoder holds %d bytes, %d frames", e.Len(), e.Frames())
	}
	p, err := e.EncodePayload(nil)
	if err != nil || !bytes.Equal(p.Bytes(), []byte{0xc0}) {
		t.Fatalf("EncodePayload(nil) = % x, %v", p.Bytes(), err)
	}
	m := &wire.Message{Target: "t", Type: "T"}
	if err := e.AppendMessageEncoded(m, wire.EncodedPayload{}); !errors.Is(err, wire.ErrPayload) || e.Len() != 0 {
		t.Fatalf("AppendMessageEncoded of no payload = %v, %d bytes; want ErrPayload and none", err, e.Len())
	}
	if err := e.AppendMessageEncoded(&wire.Message{Type: "T"}, p); err == nil || e.Len() != 0 {
		t.Fatalf("AppendMessageEncoded without a target = %v, %d bytes", err, e.Len())
	}
	big, err := wire.NewEncoder(0).EncodePayload(strings.Repeat("x", 1024))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.AppendMessageEncoded(m, big); !errors.Is(err, wire.ErrFrameTooLarge) || e.Len() != 0 {
		t.Fatalf("AppendMessageEncoded over the frame size = %v, %d bytes", err, e.Len())
	}
}
