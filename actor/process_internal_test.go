package actor

import (
	"testing"
	"unsafe"
)

// Every idle actor pays for its process, so its size is watched: 192 bytes
// is a size class of Go's allocator, and one byte more costs 16.
func TestProcessSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(process{}); n > 192 {
		t.Fatalf("process is %d bytes, over its 192-byte size class", n)
	}
	if n := unsafe.Sizeof(Tag{}); n > 24 {
		t.Fatalf("Tag is %d bytes, over its 24-byte size class", n)
	}
}
