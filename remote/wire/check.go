package wire

import (
	"encoding/binary"
	"fmt"
)

// MaxDepth is how deeply arrays and maps may nest in a frame. The frame's
// own array has depth 1 and its body depth 2, so a payload may nest 62
// levels below them.
const MaxDepth = 64

// Check reports whether b holds exactly one msgpack value that is safe to
// hand to a msgpack decoder: every str, bin and ext length fits in the
// bytes left, every array count (map count) is at most the bytes left
// (half of them), arrays and maps nest at most MaxDepth deep, the reserved
// byte 0xc1 does not appear, and nothing trails the value.
//
// msgpack decoders trust length headers: five bytes declaring a map of four
// billion entries make them allocate for four billion. Check is the guard
// in front of them. It reads b once, without recursion and without
// allocating unless it fails; its error wraps ErrMalformed (and ErrTooDeep
// for nesting).
func Check(b []byte) error {
	end, err := walk(b, 0, MaxDepth)
	if err != nil {
		return err
	}
	if end != len(b) {
		return malformed("%d trailing bytes after the value at offset %d", len(b)-end, end)
	}
	return nil
}

// walk checks the one msgpack value that starts at b[off] and returns the
// offset just after it. Containers may nest maxDepth deep (maxDepth <=
// MaxDepth), counting the value at b[off] as depth 1 if it is one.
//
// The loop reads one value header per turn. An array or map with elements
// pushes its element count (twice the pair count for a map) on a fixed
// stack; every complete value pops counts that reach zero. The value at
// b[off] is complete when the stack is empty again.
func walk(b []byte, off, maxDepth int) (int, error) {
	var stack [MaxDepth]uint64
	depth := 0
	i := off
next:
	for {
		if i >= len(b) {
			return 0, malformed("truncated msgpack: value expected at offset %d", i)
		}
		at := i
		c := b[i]
		i++
		left := uint64(len(b) - i)

		var count uint64 // elements of an array or map, for containers
		container := false
		switch {
		case c <= 0x7f || c >= 0xe0: // positive and negative fixint
		case c <= 0x8f: // fixmap
			count, container = 2*uint64(c&0x0f), true
		case c <= 0x9f: // fixarray
			count, container = uint64(c&0x0f), true
		case c <= 0xbf: // fixstr
			n := uint64(c & 0x1f)
			if n > left {
				return 0, overrun("fixstr", n, left, at)
			}
			i += int(n)
		default:
			switch c {
			case 0xc0, 0xc2, 0xc3: // nil, false, true
			case 0xc1:
				return 0, malformed("reserved byte 0xc1 at offset %d", at)
			case 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb: // bin 8/16/32, str 8/16/32
				h := lengthSize(c)
				if uint64(h) > left {
					return 0, malformed("truncated length of 0x%02x at offset %d", c, at)
				}
				n := readLength(b[i:], h)
				if n > left-uint64(h) {
					return 0, overrun(formatName(c), n, left-uint64(h), at)
				}
				i += h + int(n)
			case 0xc7, 0xc8, 0xc9: // ext 8/16/32: length, type, data
				h := lengthSize(c)
				if uint64(h) > left {
					return 0, malformed("truncated length of 0x%02x at offset %d", c, at)
				}
				n := readLength(b[i:], h) + 1
				if n > left-uint64(h) {
					return 0, overrun(formatName(c), n, left-uint64(h), at)
				}
				i += h + int(n)
			case 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,
				0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // floats, ints, fixext (type and data)
				n := fixedSize(c)
				if n > left {
					return 0, overrun(formatName(c), n, left, at)
				}
				i += int(n)
			case 0xdc, 0xdd, 0xde, 0xdf: // array 16/32, map 16/32
				h := 2
				if c == 0xdd || c == 0xdf {
					h = 4
				}
				if uint64(h) > left {
					return 0, malformed("truncated count of 0x%02x at offset %d", c, at)
				}
				count, container = readLength(b[i:], h), true
				if c >= 0xde {
					count *= 2 // no overflow: the count has at most 32 bits
				}
				i += h
				left -= uint64(h)
			}
		}

		if container {
			if depth >= maxDepth {
				return 0, fmt.Errorf("%w: %w: more than %d levels at offset %d", ErrMalformed, ErrTooDeep, maxDepth, at)
			}
			if count > left {
				what, n := formatName(c), count
				if what == "map" || what == "fixmap" {
					n /= 2 // report the pairs the header declares
				}
				return 0, malformed("%s of %d elements at offset %d, only %d bytes left", what, n, at, left)
			}
			if count > 0 {
				stack[depth] = count
				depth++
				continue next
			}
		}
		for depth > 0 {
			stack[depth-1]--
			if stack[depth-1] > 0 {
				continue next
			}
			depth--
		}
		return i, nil
	}
}

// lengthSize returns how many bytes hold the length of a bin, str or ext
// of the variable-length formats.
func lengthSize(c byte) int {
	switch c {
	case 0xc4, 0xc7, 0xd9:
		return 1
	case 0xc5, 0xc8, 0xda:
		return 2
	}
	return 4
}

// readLength reads an h-byte big-endian length (h is 1, 2 or 4) from b,
// which holds at least h bytes.
func readLength(b []byte, h int) uint64 {
	switch h {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(binary.BigEndian.Uint16(b))
	}
	return uint64(binary.BigEndian.Uint32(b))
}

// fixedSize returns how many bytes follow the first byte of a float, an
// int or a fixext (type byte included).
func fixedSize(c byte) uint64 {
	switch c {
	case 0xcc, 0xd0:
		return 1
	case 0xcd, 0xd1:
		return 2
	case 0xca, 0xce, 0xd2:
		return 4
	case 0xcb, 0xcf, 0xd3:
		return 8
	case 0xd4:
		return 2
	case 0xd5:
		return 3
	case 0xd6:
		return 5
	case 0xd7:
		return 9
	}
	return 17 // 0xd8 fixext 16
}

// formatName names the msgpack format of first byte c, for errors.
func formatName(c byte) string {
	switch {
	case c <= 0x8f && c >= 0x80:
		return "fixmap"
	case c <= 0x9f && c >= 0x90:
		return "fixarray"
	}
	switch c {
	case 0xc4, 0xc5, 0xc6:
		return "bin"
	case 0xd9, 0xda, 0xdb:
		return "str"
	case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return "ext"
	case 0xca, 0xcb:
		return "float"
	case 0xdc, 0xdd:
		return "array"
	case 0xde, 0xdf:
		return "map"
	}
	return "int"
}

func overrun(what string, n, left uint64, at int) error {
	return malformed("%s of %d bytes at offset %d, only %d bytes left", what, n, at, left)
}
