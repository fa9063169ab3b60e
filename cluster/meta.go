package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// A member's meta is what memberlist gossips about it besides its gossip
// address: its troupe address, the incarnation of this run, and the kinds
// it hosts. memberlist caps it at 512 bytes (memberlist.MetaMaxSize), so it
// is a small hand-made encoding, not msgpack:
//
//	version   1 byte (metaVersion)
//	flags     1 byte: bit 0 set while the member is leaving
//	addr      uvarint length, bytes
//	incarn    8 bytes, big-endian
//	kinds     uvarint count, then each: uvarint length, bytes
type meta struct {
	Leaving     bool // it is stopping: it owns nothing, and its end is a leave
	Addr        string
	Incarnation uint64
	Kinds       []string // sorted
}

const (
	metaVersion = 1
	// metaMaxSize is memberlist.MetaMaxSize, which it enforces.
	metaMaxSize = 512
	flagLeaving = 1
)

var errMeta = errors.New("cluster: malformed member meta")

// encode appends m's bytes to b, or fails if they exceed metaMaxSize.
func (m *meta) encode() ([]byte, error) {
	b := []byte{metaVersion, 0}
	if m.Leaving {
		b[1] = flagLeaving
	}
	b = appendString(b, m.Addr)
	b = binary.BigEndian.AppendUint64(b, m.Incarnation)
	b = binary.AppendUvarint(b, uint64(len(m.Kinds)))
	for _, k := range m.Kinds {
		b = appendString(b, k)
	}
	if len(b) > metaMaxSize {
		return nil, fmt.Errorf("%w: member meta of %d bytes (address and %d kinds) exceeds memberlist's %d",
			ErrInvalidConfig, len(b), len(m.Kinds), metaMaxSize)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeMeta reads what encode wrote; anything else is errMeta. It never
// trusts a length beyond the bytes it has.
func decodeMeta(b []byte) (meta, error) {
	var m meta
	if len(b) < 2 || b[0] != metaVersion || b[1]&^flagLeaving != 0 || len(b) > metaMaxSize {
		return m, errMeta
	}
	m.Leaving = b[1] == flagLeaving
	r := b[2:]
	str := func() (string, bool) {
		n, k := uvarint(r)
		if k <= 0 || n > uint64(len(r)-k) {
			return "", false
		}
		s := string(r[k : k+int(n)])
		r = r[k+int(n):]
		return s, true
	}
	var ok bool
	if m.Addr, ok = str(); !ok || m.Addr == "" {
		return meta{}, errMeta
	}
	if len(r) < 8 {
		return meta{}, errMeta
	}
	m.Incarnation = binary.BigEndian.Uint64(r)
	r = r[8:]
	n, k := uvarint(r)
	if k <= 0 || n > uint64(len(r)) { // each kind takes at least one byte
		return meta{}, errMeta
	}
	r = r[k:]
	for range n {
		kind, ok := str()
		if !ok || kind == "" {
			return meta{}, errMeta
		}
		m.Kinds = append(m.Kinds, kind)
	}
	if len(r) != 0 || !slices.IsSorted(m.Kinds) {
		return meta{}, errMeta
	}
	return m, nil
}

// uvarint is binary.Uvarint that also refuses a number written in more
// bytes than it needs (0x80 0x00 for 0), so that one meta has one encoding
// and decoding then encoding gives the same bytes back.
func uvarint(b []byte) (uint64, int) {
	n, k := binary.Uvarint(b)
	if k > 1 && b[k-1] == 0 {
		return 0, 0
	}
	return n, k
}
