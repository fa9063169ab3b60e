package wire

import (
	"reflect"
	"unsafe"
)

// A Sizer bounds the bytes msgpack writes for the values of one type
// that is not plain (see PlainCodec): structs with slices, maps or
// pointers. It reads lengths by reflection and encodes nothing, so that a
// sender can weigh such a payload before a writer encodes it, for a
// fraction of the encoding's cost. A Sizer is safe for concurrent use.
type Sizer struct {
	typ   reflect.Type
	rtype unsafe.Pointer // the type word of an interface holding typ
}

// NewSizer returns the Sizer of t, or nil if t cannot be weighed without
// encoding: a type that holds, by value or through pointers, slices or
// maps, an interface, a channel, a function, a complex number, or a type
// with one of the methods msgpack would call instead of encoding it by its
// kind (see PlainCodec).
func NewSizer(t reflect.Type) *Sizer {
	if t == nil || !sizable(t, map[reflect.Type]bool{}) {
		return nil
	}
	z := reflect.Zero(t).Interface()
	return &Sizer{typ: t, rtype: (*eface)(unsafe.Pointer(&z)).typ}
}

// sizable reports whether every value of t can be weighed by kind; seen
// holds the types on the way, so that a recursive type ends.
func sizable(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return true
	}
	seen[t] = true
	if hasMsgpackMethods(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return sizable(t.Elem(), seen)
	case reflect.Map:
		return sizable(t.Key(), seen) && sizable(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); (f.IsExported() || f.Anonymous) && !sizable(f.Type, seen) {
				return false
			}
		}
		return true
	}
	return false
}

// MaxSize returns an upper bound of the bytes msgpack writes for v, which
// must hold a value of the Sizer's type, or -1 if it holds another type or
// nests deeper than a payload may.
func (s *Sizer) MaxSize(v any) int {
	if (*eface)(unsafe.Pointer(&v)).typ != s.rtype {
		return -1
	}
	return maxSize(reflect.ValueOf(v), 0)
}

// maxSize bounds the encoding of v at depth: every header at its widest
// (5 bytes), every number at its widest (9), struct fields counted
// whether msgpack writes them or not.
func maxSize(v reflect.Value, depth int) int {
	if depth > maxPayloadDepth {
		return -1
	}
	switch v.Kind() {
	case reflect.Bool:
		return 1
	case reflect.String:
		return 5 + v.Len()
	case reflect.Pointer:
		if v.IsNil() {
			return 1
		}
		return maxSize(v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return 1
		}
		n := v.Len()
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return 5 + 2*n // bin, or an array of small integers
		}
		total := 5
		for i := range n {
			m := maxSize(v.Index(i), depth+1)
			if m < 0 {
				return -1
			}
			total += m
		}
		return total
	case reflect.Map:
		if v.IsNil() {
			return 1
		}
		total := 5
		it := v.MapRange()
		for it.Next() {
			k, e := maxSize(it.Key(), depth+1), maxSize(it.Value(), depth+1)
			if k < 0 || e < 0 {
				return -1
			}
			total += k + e
		}
		return total
	case reflect.Struct:
		t := v.Type()
		total := 5
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			m := maxSize(v.Field(i), depth+1)
			if m < 0 {
				return -1
			}
			total += 5 + len(f.Name) + len(f.Tag) + m // the key: its name, or its tag's
		}
		return total
	}
	return 9 // a number
}
