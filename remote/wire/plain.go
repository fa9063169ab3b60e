package wire

import (
	"bytes"
	"encoding"
	"math"
	"reflect"
	"strings"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"
)

// A PlainCodec encodes and decodes the payloads of one plain struct type
// without msgpack's reflection, and byte for byte as msgpack does: Append
// writes exactly what the Encoder's msgpack writes for the same value, and
// Decode yields exactly what msgpack decodes, or declines.
//
// A type is plain when it is a struct, not a pointer to one, and:
//   - its exported fields are all of the kinds bool, int, int8 to int64,
//     uint, uint8 to uint64, float32, float64, string, or plain structs
//     themselves (actor.PID is one), nested at most 62 deep; named types of
//     those kinds are fine;
//   - none is embedded, and their msgpack tags, if any, are bare names
//     (msgpack:"name", with no options and not "-"); other tags are
//     ignored, as msgpack ignores them;
//   - neither it nor any type of its fields has, by value or by pointer,
//     the methods of msgpack.CustomEncoder, msgpack.CustomDecoder,
//     msgpack.Marshaler, msgpack.Unmarshaler, or the encoding package's
//     binary and text marshalers and unmarshalers, which msgpack would call;
//   - msgpack, asked by NewPlainCodec, writes and reads a sample value
//     exactly as the codec does.
//
// Unexported fields are ignored, as msgpack ignores them, except in a
// struct made of a single pointer-shaped one: that is not plain. A type
// handed to msgpack.Register, RegisterExtEncoder or RegisterExtDecoder
// after NewPlainCodec has made its codec goes unnoticed: register those
// first. A PlainCodec is safe for concurrent use.
type PlainCodec struct {
	typ  reflect.Type // the struct type
	ptr  reflect.Type // a pointer to it, what Decode takes
	root *plainStruct

	fixed int            // MaxSize's bytes but for the strings
	strs  []uintptr      // the offsets of the strings, nested ones included
	rtype unsafe.Pointer // the type word of an interface holding typ
}

// plainStruct is the plan of one plain struct type.
type plainStruct struct {
	head   []byte // the msgpack map header of its fields
	fields []plainField
	byName map[string]int // field by name, for types of many fields
}

// plainField is one encoded field of a plain struct.
type plainField struct {
	name  string // the map key
	key   []byte // name as msgpack writes it: a str header and the bytes
	off   uintptr
	index int // in the struct, for reflect
	kind  plainKind
	sub   *plainStruct // for a plainStruct kind
}

// plainKind is how a field is stored in memory and on the wire.
type plainKind uint8

const (
	plainBool plainKind = iota
	plainInt8
	plainInt16
	plainInt32
	plainInt64
	plainUint8
	plainUint16
	plainUint32
	plainUint64
	plainFloat32
	plainFloat64
	plainString
	plainStructKind
)

// maxPayloadDepth is how deeply a payload may nest: below the frame's own
// array and its body (see MaxDepth).
const maxPayloadDepth = MaxDepth - 2

// manyFields is the field count from which a key is looked up in a map
// rather than by a scan.
const manyFields = 8

// The method sets msgpack/v5 looks for, on a type and on a pointer to it,
// before it encodes or decodes a value by its kind (getEncoder and
// getDecoder in its encode_value.go and decode_value.go).
var msgpackMethods = []reflect.Type{
	reflect.TypeFor[msgpack.CustomEncoder](),
	reflect.TypeFor[msgpack.CustomDecoder](),
	reflect.TypeFor[msgpack.Marshaler](),
	reflect.TypeFor[msgpack.Unmarshaler](),
	reflect.TypeFor[encoding.BinaryMarshaler](),
	reflect.TypeFor[encoding.BinaryUnmarshaler](),
	reflect.TypeFor[encoding.TextMarshaler](),
	reflect.TypeFor[encoding.TextUnmarshaler](),
}

// NewPlainCodec returns the codec of t, or nil if t is not a plain struct
// type (see PlainCodec): msgpack then stays the codec of t.
func NewPlainCodec(t reflect.Type) *PlainCodec {
	if t == nil || t.Kind() != reflect.Struct || isDirect(t) {
		return nil
	}
	root, ok := planStruct(t, 1)
	if !ok {
		return nil
	}
	c := &PlainCodec{typ: t, ptr: reflect.PointerTo(t), root: root}
	if !c.agrees() {
		return nil
	}
	c.sizePlan()
	return c
}

// planStruct plans struct type t, found at nesting depth.
func planStruct(t reflect.Type, depth int) (*plainStruct, bool) {
	if depth > maxPayloadDepth || hasMsgpackMethods(t) {
		return nil, false
	}
	s := &plainStruct{}
	for i := range t.NumField() {
		f := t.Field(i)
		// msgpack reads the _msgpack field's tag (as_array, omitempty) and
		// inlines embedded structs, even unexported ones.
		if f.Name == "_msgpack" || f.Anonymous {
			return nil, false
		}
		if !f.IsExported() {
			continue
		}
		name, ok := plainName(f)
		if !ok || hasMsgpackMethods(f.Type) {
			return nil, false
		}
		pf := plainField{name: name, key: appendStr(nil, name), off: f.Offset, index: i}
		if pf.kind, ok = kindOf(f.Type); !ok {
			return nil, false
		}
		if pf.kind == plainStructKind {
			if pf.sub, ok = planStruct(f.Type, depth+1); !ok {
				return nil, false
			}
		}
		for _, g := range s.fields {
			if g.name == name { // msgpack writes both, and reads into the last
				return nil, false
			}
		}
		s.fields = append(s.fields, pf)
	}
	s.head = appendMapLen(nil, len(s.fields))
	if len(s.fields) >= manyFields {
		s.byName = make(map[string]int, len(s.fields))
		for i, f := range s.fields {
			s.byName[f.name] = i
		}
	}
	return s, true
}

// plainName returns the key msgpack gives field f, if its tag is plain:
// none, or a msgpack tag that is a bare name. The characters refused are
// those msgpack's tag parser gives a meaning (options, key:value pairs,
// quotes, escapes, brackets) and the spaces it trims; "-" skips the field.
// Other tags (json, ...) msgpack does not read unless told to, and ours is
// not told.
func plainName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("msgpack")
	switch {
	case tag == "":
		return f.Name, true
	case tag == "-", strings.ContainsAny(tag, ",:'\\()"), strings.TrimSpace(tag) != tag:
		return "", false
	}
	return tag, true
}

// kindOf returns the plain kind of a field's type, if it has one.
func kindOf(t reflect.Type) (plainKind, bool) {
	switch t.Kind() {
	case reflect.Bool:
		return plainBool, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return sized(plainInt8, t.Size())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return sized(plainUint8, t.Size())
	case reflect.Float32:
		return plainFloat32, true
	case reflect.Float64:
		return plainFloat64, true
	case reflect.String:
		return plainString, true
	case reflect.Struct:
		return plainStructKind, true
	}
	return 0, false
}

// sized returns the integer kind of size bytes, from the one of 1 byte.
func sized(one plainKind, size uintptr) (plainKind, bool) {
	switch size {
	case 1:
		return one, true
	case 2:
		return one + 1, true
	case 4:
		return one + 2, true
	case 8:
		return one + 3, true
	}
	return 0, false
}

// hasMsgpackMethods reports whether t or *t has a method set that msgpack
// would use instead of encoding t by its kind.
func hasMsgpackMethods(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, m := range msgpackMethods {
		if t.Implements(m) || p.Implements(m) {
			return true
		}
	}
	return false
}

// eface is the layout of an interface{} value.
type eface struct {
	typ, data unsafe.Pointer
}

// dataOf returns the data word of *v: for a pointer, the pointer; for a
// struct that is not pointer-shaped, a pointer to a copy of the value.
func dataOf(v *any) unsafe.Pointer { return (*eface)(unsafe.Pointer(v)).data }

// isDirect reports whether an interface holds a value of t in its data
// word itself (a struct of one pointer-shaped field) rather than a pointer
// to it: Append reads values through the data word, so those types are
// left to msgpack. The zero value of such a type has a nil data word.
func isDirect(t reflect.Type) bool {
	z := reflect.Zero(t).Interface()
	return dataOf(&z) == nil
}

// agrees encodes and decodes a sample value, with distinct values in every
// field, both with msgpack (configured as the Encoder configures it) and
// with c, and reports whether they agree on every byte and every value.
// It is the check against what the plan cannot see: a type handed to
// msgpack.Register, or a msgpack that reads tags or kinds otherwise.
func (c *PlainCodec) agrees() (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	sample := reflect.New(c.typ)
	n := 0
	fillSample(sample.Elem(), c.root, &n)
	var want bytes.Buffer
	enc := msgpack.NewEncoder(&want)
	enc.UseCompactInts(true)
	if err := enc.Encode(sample.Elem().Interface()); err != nil {
		return false
	}
	got, res := c.root.append(nil, sample.UnsafePointer(), math.MaxInt)
	if res != plainDone || !bytes.Equal(got, want.Bytes()) {
		return false
	}
	byMsgpack, byCodec := reflect.New(c.typ), reflect.New(c.typ)
	if err := msgpack.Unmarshal(got, byMsgpack.Interface()); err != nil {
		return false
	}
	if !c.Decode(got, byCodec.Interface()) {
		return false
	}
	return reflect.DeepEqual(byMsgpack.Interface(), sample.Interface()) &&
		reflect.DeepEqual(byCodec.Interface(), sample.Interface())
}

// fillSample sets the encoded fields of v, a struct of plan s, to values
// that differ from one field to the next.
func fillSample(v reflect.Value, s *plainStruct, n *int) {
	for _, f := range s.fields {
		*n++
		fv := v.Field(f.index)
		switch f.kind {
		case plainBool:
			fv.SetBool(*n%2 == 1)
		case plainInt8, plainInt16, plainInt32, plainInt64:
			fv.SetInt(int64(-*n))
		case plainUint8, plainUint16, plainUint32, plainUint64:
			fv.SetUint(uint64(100 + *n))
		case plainFloat32, plainFloat64:
			fv.SetFloat(float64(*n) + 0.5)
		case plainString:
			fv.SetString(f.name)
		case plainStructKind:
			fillSample(fv, f.sub, n)
		}
	}
}

// appendMapLen appends a map header for n pairs, as msgpack's EncodeMapLen
// writes it.
func appendMapLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x80|byte(n))
	case n <= 0xffff:
		return append(b, 0xde, byte(n>>8), byte(n))
	}
	return append(b, 0xdf, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
