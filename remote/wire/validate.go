package wire

import (
	"net"
	"unicode/utf8"
)

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

// validLen refuses a string longer than max bytes.
func validLen(what, s string, max int) error {
	if len(s) > max {
		return malformed("%s of %d bytes is too long: at most %d", what, len(s), max)
	}
	return nil
}

// validLens checks pairs of (what, string) against max.
func validLens(max int, whatAndS ...string) error {
	for i := 0; i+1 < len(whatAndS); i += 2 {
		if err := validLen(whatAndS[i], whatAndS[i+1], max); err != nil {
			return err
		}
	}
	return nil
}

// cutText cuts s to MaxTextLen bytes, at a rune's start: what a text the
// Encoder writes may hold.
func cutText(s string) string {
	if len(s) <= MaxTextLen {
		return s
	}
	cut := MaxTextLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
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
	if err := validLens(MaxIDLen, "target", m.Target, "sender", m.Sender); err != nil {
		return err
	}
	return validLen("type name", m.Type, MaxTypeNameLen)
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
	if err := validLen("type name", r.Type, MaxTypeNameLen); err != nil {
		return err
	}
	return validLen("error text", r.Error, MaxTextLen)
}

func (w *Watch) validate() error {
	if w.Target == "" || w.Watcher == "" {
		return malformed("watch with an empty id")
	}
	return validLens(MaxIDLen, "target", w.Target, "watcher", w.Watcher)
}

func (t *Terminated) validate() error {
	if t.Actor == "" || t.Watcher == "" {
		return malformed("terminated with an empty id")
	}
	if err := validLens(MaxIDLen, "actor", t.Actor, "watcher", t.Watcher); err != nil {
		return err
	}
	return validLen("reason", t.Reason, MaxTextLen)
}

func (s *Stop) validate() error {
	if s.Target == "" {
		return malformed("stop without target")
	}
	if s.Mode > ModePoison {
		return malformed("stop mode %d", s.Mode)
	}
	return validLen("target", s.Target, MaxIDLen)
}

func (s *Spawn) validate() error {
	if s.RequestID == 0 {
		return malformed("spawn with request id 0")
	}
	if s.Kind == "" {
		return malformed("spawn without kind")
	}
	if err := validLen("kind", s.Kind, MaxTypeNameLen); err != nil {
		return err
	}
	return validLen("name", s.Name, MaxIDLen)
}

func (s *Spawned) validate() error {
	if s.RequestID == 0 {
		return malformed("spawned for request id 0")
	}
	if (s.Code == CodeOK) != (s.Actor != "") {
		return malformed("spawned with code %s and actor %.40q", s.Code, s.Actor)
	}
	if err := validLen("actor", s.Actor, MaxIDLen); err != nil {
		return err
	}
	return validLen("error text", s.Error, MaxTextLen)
}
