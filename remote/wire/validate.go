package wire

import "net"

// The rules of the spec that go beyond types, shared by the Encoder (which
// refuses to write a frame the peer would refuse) and the Decoder.

func validAddr(addr string) error {
	if addr == "" || len(addr) > MaxAddrLen {
		return malformed("address of %d bytes, want 1 to %d", len(addr), MaxAddrLen)
	}
	for i := 0; i < len(addr); i++ {
		if c := addr[i]; c <= ' ' || c > '~' {
			return malformed("address holds byte 0x%02x at %d: only printable ASCII", c, i)
		}
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return malformed("address %q is not host:port", addr)
	}
	return nil
}

func validIncarnation(inc *Incarnation) error {
	if *inc == (Incarnation{}) {
		return malformed("zero incarnation")
	}
	return nil
}

func (h *Hello) validate() error {
	if err := validAddr(h.Addr); err != nil {
		return err
	}
	return validIncarnation(&h.Incarnation)
}

func (c *Challenge) validate() error {
	if err := validAddr(c.Addr); err != nil {
		return err
	}
	return validIncarnation(&c.Incarnation)
}

func (r *Refuse) validate() error {
	if r.Code == CodeOK {
		return malformed("refuse with code ok")
	}
	return nil
}

func (m *Message) validate() error {
	if m.Target == "" {
		return malformed("message without target")
	}
	if m.Type == "" {
		return malformed("message without type name")
	}
	return nil
}

// validate checks the fields other than the payload; hasValue says whether
// the payload is something other than nil.
func (r *Reply) validate(hasValue bool) error {
	if r.RequestID == 0 {
		return malformed("reply to request id 0")
	}
	if r.Code != CodeOK && (r.Type != "" || hasValue) {
		return malformed("reply with code %s carries a value", r.Code)
	}
	if r.Type == "" && hasValue {
		return malformed("reply carries a value without a type name")
	}
	return nil
}

func (w *Watch) validate() error {
	if w.Target == "" || w.Watcher == "" {
		return malformed("watch with an empty id")
	}
	return nil
}

func (t *Terminated) validate() error {
	if t.Actor == "" || t.Watcher == "" {
		return malformed("terminated with an empty id")
	}
	return nil
}

func (s *Stop) validate() error {
	if s.Target == "" {
		return malformed("stop without target")
	}
	if s.Mode > ModePoison {
		return malformed("stop mode %d", s.Mode)
	}
	return nil
}

func (s *Spawn) validate() error {
	if s.RequestID == 0 {
		return malformed("spawn with request id 0")
	}
	if s.Kind == "" {
		return malformed("spawn without kind")
	}
	return nil
}

func (s *Spawned) validate() error {
	if s.RequestID == 0 {
		return malformed("spawned for request id 0")
	}
	if (s.Code == CodeOK) != (s.Actor != "") {
		return malformed("spawned with code %s and actor %q", s.Code, s.Actor)
	}
	return nil
}
