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
	rtype unsafe.Pointer // the type word of an interface holding its type
	root  *sizePlan
}

// sizePlan is how to weigh the values of one type, made once by NewSizer.
type sizePlan struct {
	kind   reflect.Kind
	fixed  int          // a number's or a bool's widest encoding
	bytes  bool         // a slice or array of bytes: bin, or small integers
	elem   *sizePlan    // Pointer, Slice, Array, Map: the element's
	key    *sizePlan    // Map: the key's
	fields []sizedField // Struct
}

// sizedField is a field of a struct as msgpack may write it: its index,
// the widest its key can be, and its plan.
type sizedField struct {
	index int
	key   int
	plan  *sizePlan
}

// NewSizer returns the Sizer of t, or nil if t cannot be weighed without
// encoding: a type that holds, by value or through pointers, slices or
// maps, an interface, a channel, a function, a complex number, or a type
// with one of the methods msgpack would call instead of encoding it by its
// kind (see PlainCodec).
func NewSizer(t reflect.Type) *Sizer {
	if t == nil {
		return nil
	}
	root := planSize(t, map[reflect.Type]*sizePlan{})
	if root == nil {
		return nil
	}
	z := reflect.Zero(t).Interface()
	return &Sizer{rtype: (*eface)(unsafe.Pointer(&z)).typ, root: root}
}

// planSize returns the plan of t, or nil if a value of t cannot be
// weighed by kind; plans holds those made so far, so that a recursive type
// ends.
func planSize(t reflect.Type, plans map[reflect.Type]*sizePlan) *sizePlan {
	if p, ok := plans[t]; ok {
		return p
	}
	if hasMsgpackMethods(t) {
		return nil
	}
	p := &sizePlan{kind: t.Kind()}
	plans[t] = p
	ok := true
	switch t.Kind() {
	case reflect.Bool:
		p.fixed = 1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		p.fixed = 9
	case reflect.String:
	case reflect.Pointer, reflect.Slice, reflect.Array:
		p.bytes = t.Kind() != reflect.Pointer && t.Elem().Kind() == reflect.Uint8
		p.elem = planSize(t.Elem(), plans)
		ok = p.elem != nil
	case reflect.Map:
		p.key, p.elem = planSize(t.Key(), plans), planSize(t.Elem(), plans)
		ok = p.key != nil && p.elem != nil
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			fp := planSize(f.Type, plans)
			if fp == nil {
				ok = false
				break
			}
			p.fields = append(p.fields, sizedField{index: i, key: 5 + len(f.Name) + len(f.Tag), plan: fp})
		}
	default:
		ok = false
	}
	if !ok {
		delete(plans, t)
		return nil
	}
	return p
}

// MaxSize returns an upper bound of the bytes msgpack writes for v, which
// must hold a value of the Sizer's type, or -1 if it holds another type or
// nests deeper than a payload may.
func (s *Sizer) MaxSize(v any) int {
	if (*eface)(unsafe.Pointer(&v)).typ != s.rtype {
		return -1
	}
	return s.root.maxSize(reflect.ValueOf(v), 0)
}

// maxSize bounds the encoding of v at depth: every header at its widest
// (5 bytes), every number at its widest (9), struct fields counted
// whether msgpack writes them or not.
func (p *sizePlan) maxSize(v reflect.Value, depth int) int {
	if depth > maxPayloadDepth {
		return -1
	}
	switch p.kind {
	case reflect.String:
		return 5 + v.Len()
	case reflect.Pointer:
		if v.IsNil() {
			return 1
		}
		return p.elem.maxSize(v.Elem(), depth)
	case reflect.Slice, reflect.Array:
		if p.kind == reflect.Slice && v.IsNil() {
			return 1
		}
		n := v.Len()
		if p.bytes {
			return 5 + 2*n // bin, or an array of small integers
		}
		total := 5
		for i := range n {
			m := p.elem.maxSize(v.Index(i), depth+1)
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
			k, e := p.key.maxSize(it.Key(), depth+1), p.elem.maxSize(it.Value(), depth+1)
			if k < 0 || e < 0 {
				return -1
			}
			total += k + e
		}
		return total
	case reflect.Struct:
		total := 5
		for i := range p.fields {
			f := &p.fields[i]
			m := f.plan.maxSize(v.Field(f.index), depth+1)
			if m < 0 {
				return -1
			}
			total += f.key + m // the key: its name, or its tag's
		}
		return total
	}
	return p.fixed
}
