package wire

import (
	"reflect"
	"unsafe"
)

// MaxSize returns an upper bound of the bytes Append writes for v, which
// must hold a value of the codec's type, or -1 if it holds another type.
// It reads only the lengths of v's strings, so a sender can weigh a payload
// before it is encoded: the bound exceeds the encoding by at most the
// integers written shorter than their widest form.
func (c *PlainCodec) MaxSize(v any) int {
	e := (*eface)(unsafe.Pointer(&v))
	if e.typ != c.rtype { // reflect.TypeOf(v) != c.typ, in fewer steps: a sender calls it per message
		return -1
	}
	n := c.fixed
	if len(c.strs) == 0 {
		return n
	}
	p := e.data
	for _, off := range c.strs {
		l := len(*(*string)(unsafe.Add(p, off)))
		n += strHeaderLen(l) + l
	}
	return n
}

// sizePlan fills c.fixed, the bytes of c's encoding that do not depend on
// the value but for its strings, at most, and c.strs, the offsets of its
// strings from the start of the value, nested structs included.
func (c *PlainCodec) sizePlan() {
	var walk func(s *plainStruct, base uintptr)
	walk = func(s *plainStruct, base uintptr) {
		c.fixed += len(s.head)
		for i := range s.fields {
			f := &s.fields[i]
			c.fixed += len(f.key)
			switch f.kind {
			case plainStructKind:
				walk(f.sub, base+f.off)
			case plainString:
				c.strs = append(c.strs, base+f.off)
			default:
				c.fixed += maxFixedSize(f.kind)
			}
		}
	}
	walk(c.root, 0)
	z := reflect.Zero(c.typ).Interface()
	c.rtype = (*eface)(unsafe.Pointer(&z)).typ
}

// maxFixedSize returns the widest encoding of a kind of fixed size: a
// format byte and the value's bytes.
func maxFixedSize(k plainKind) int {
	switch k {
	case plainBool:
		return 1
	case plainInt8, plainUint8:
		return 2
	case plainInt16, plainUint16:
		return 3
	case plainInt32, plainUint32, plainFloat32:
		return 5
	}
	return 9 // 64 bits
}
