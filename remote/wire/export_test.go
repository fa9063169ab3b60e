package wire

// AppendHelloVersion appends a Hello that claims another protocol version.
func (e *Encoder) AppendHelloVersion(h *Hello, version uint64) error {
	return e.appendHello(h, version)
}

// Walk exposes walk to the tests.
func Walk(b []byte, off, maxDepth int) (int, error) { return walk(b, off, maxDepth) }
