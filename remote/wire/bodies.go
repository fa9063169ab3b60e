package wire

import "fmt"

// The Decoder's typed body decoders, one per body type. Each fills its
// argument from f, which must be a frame of the matching type, and checks
// the rules of the spec that the Encoder checks before writing.

// DecodeMessage decodes a Message frame. m.Payload is a sub-slice of
// f.Body.
func (d *Decoder) DecodeMessage(f Frame, m *Message) error {
	if err := d.openN(f, 5, FrameMessage); err != nil {
		return err
	}
	var err error
	if m.Target, err = d.str(); err != nil {
		return err
	}
	if m.Sender, err = d.str(); err != nil {
		return err
	}
	if m.RequestID, err = d.uint(1<<64 - 1); err != nil {
		return err
	}
	if m.Type, err = d.str(); err != nil {
		return err
	}
	// The payload is the frame's last value.
	if m.Payload, err = d.rest(); err != nil {
		return err
	}
	return m.validate()
}

// DecodeReply decodes a Reply frame. r.Payload is a sub-slice of f.Body.
func (d *Decoder) DecodeReply(f Frame, r *Reply) error {
	if err := d.openN(f, 5, FrameReply); err != nil {
		return err
	}
	var err error
	if r.RequestID, err = d.uint(1<<64 - 1); err != nil {
		return err
	}
	if r.Code, err = d.code(); err != nil {
		return err
	}
	if r.Type, err = d.str(); err != nil {
		return err
	}
	if r.Payload, err = d.raw(); err != nil {
		return err
	}
	if r.Error, err = d.str(); err != nil {
		return err
	}
	return r.validate(len(r.Payload) != 1 || r.Payload[0] != 0xc0)
}

// DecodeWatch decodes a Watch or an Unwatch frame.
func (d *Decoder) DecodeWatch(f Frame, w *Watch) error {
	if err := d.openN(f, 2, FrameWatch, FrameUnwatch); err != nil {
		return err
	}
	if err := d.strs(&w.Target, &w.Watcher); err != nil {
		return err
	}
	return w.validate()
}

// DecodeTerminated decodes a Terminated frame.
func (d *Decoder) DecodeTerminated(f Frame, t *Terminated) error {
	if err := d.openN(f, 4, FrameTerminated); err != nil {
		return err
	}
	if err := d.strs(&t.Actor, &t.Watcher); err != nil {
		return err
	}
	var err error
	if t.Code, err = d.code(); err != nil {
		return err
	}
	if t.Reason, err = d.str(); err != nil {
		return err
	}
	return t.validate()
}

// DecodeStop decodes a Stop frame.
func (d *Decoder) DecodeStop(f Frame, s *Stop) error {
	if err := d.openN(f, 2, FrameStop); err != nil {
		return err
	}
	var err error
	if s.Target, err = d.str(); err != nil {
		return err
	}
	mode, err := d.uint(uint64(ModePoison))
	if err != nil {
		return err
	}
	s.Mode = StopMode(mode)
	return s.validate()
}

// DecodeSpawn decodes a Spawn frame.
func (d *Decoder) DecodeSpawn(f Frame, s *Spawn) error {
	if err := d.openN(f, 3, FrameSpawn); err != nil {
		return err
	}
	var err error
	if s.RequestID, err = d.uint(1<<64 - 1); err != nil {
		return err
	}
	if err := d.strs(&s.Kind, &s.Name); err != nil {
		return err
	}
	return s.validate()
}

// DecodeSpawned decodes a Spawned frame.
func (d *Decoder) DecodeSpawned(f Frame, s *Spawned) error {
	if err := d.openN(f, 4, FrameSpawned); err != nil {
		return err
	}
	var err error
	if s.RequestID, err = d.uint(1<<64 - 1); err != nil {
		return err
	}
	if s.Actor, err = d.str(); err != nil {
		return err
	}
	if s.Code, err = d.code(); err != nil {
		return err
	}
	if s.Error, err = d.str(); err != nil {
		return err
	}
	return s.validate()
}

// DecodeClose decodes a Close frame.
func (d *Decoder) DecodeClose(f Frame, c *Close) error {
	if err := d.openN(f, 1, FrameClose); err != nil {
		return err
	}
	var err error
	if c.Reason, err = d.str(); err != nil {
		return err
	}
	return validLen("close reason", c.Reason, MaxTextLen)
}

// DecodeAck decodes an Ack frame. Whether its count is plausible is the
// session's to judge: the decoder does not know what was written.
func (d *Decoder) DecodeAck(f Frame, a *Ack) error {
	if err := d.openN(f, 1, FrameAck); err != nil {
		return err
	}
	var err error
	a.Count, err = d.uint(1<<64 - 1)
	return err
}

// DecodeHeartbeat checks a Heartbeat frame, whose body is empty.
func (d *Decoder) DecodeHeartbeat(f Frame) error { return d.empty(f, FrameHeartbeat) }

// DecodeAccept decodes an Accept frame.
func (d *Decoder) DecodeAccept(f Frame, a *Accepted) error {
	if err := d.openN(f, 2, FrameAccept); err != nil {
		return err
	}
	if err := d.bin(a.Proof[:]); err != nil {
		return err
	}
	v, err := d.uint(1)
	a.Confirmed = v == 1
	return err
}

// DecodeHello decodes a Hello frame. It checks the magic (ErrBadMagic) and
// the version (ErrVersion) before the element count, so that a Hello of
// another version, with other fields, still gets a version error.
func (d *Decoder) DecodeHello(f Frame, h *Hello) error {
	n, err := d.open(f, FrameHello)
	if err != nil {
		return err
	}
	if err := d.magicVersion(n); err != nil {
		return err
	}
	if n != 6 {
		return malformed("Hello body of %d elements, want 6", n)
	}
	if h.Addr, err = d.str(); err != nil {
		return err
	}
	if err := d.bin(h.Incarnation[:]); err != nil {
		return err
	}
	if err := d.bin(h.Nonce[:]); err != nil {
		return err
	}
	h.Confirm = Nonce{}
	if err := d.optBin(h.Confirm[:]); err != nil {
		return err
	}
	return h.validate()
}

// DecodeChallenge decodes a Challenge frame, checking magic and version
// first as DecodeHello does.
func (d *Decoder) DecodeChallenge(f Frame, c *Challenge) error {
	n, err := d.open(f, FrameChallenge)
	if err != nil {
		return err
	}
	if err := d.magicVersion(n); err != nil {
		return err
	}
	if n != 5 {
		return malformed("Challenge body of %d elements, want 5", n)
	}
	if c.Addr, err = d.str(); err != nil {
		return err
	}
	if err := d.bin(c.Incarnation[:]); err != nil {
		return err
	}
	if err := d.bin(c.Nonce[:]); err != nil {
		return err
	}
	return c.validate()
}

// magicVersion reads the first two elements of a Hello or Challenge body
// of n elements.
func (d *Decoder) magicVersion(n int) error {
	if n < 2 {
		return fmt.Errorf("%w: body of %d elements", ErrBadMagic, n)
	}
	magic, err := d.str()
	if err != nil || magic != Magic {
		return fmt.Errorf("%w: %q", ErrBadMagic, magic)
	}
	v, err := d.uint(1<<64 - 1)
	if err != nil {
		return err
	}
	if v == 2 {
		return fmt.Errorf("%w: peer speaks version 2, whose acceptor proves first, this node version %d", ErrVersion, Version)
	}
	if v != Version {
		return fmt.Errorf("%w: peer speaks version %d, this node version %d", ErrVersion, v, Version)
	}
	return nil
}

// DecodeProof decodes a Proof frame.
func (d *Decoder) DecodeProof(f Frame, p *Proof) error {
	if err := d.openN(f, 1, FrameProof); err != nil {
		return err
	}
	return d.bin(p.Proof[:])
}

// DecodeRefuse decodes a Refuse frame.
func (d *Decoder) DecodeRefuse(f Frame, r *Refuse) error {
	if err := d.openN(f, 2, FrameRefuse); err != nil {
		return err
	}
	var err error
	if r.Code, err = d.code(); err != nil {
		return err
	}
	if r.Reason, err = d.str(); err != nil {
		return err
	}
	return r.validate()
}

// supportedVersions is the reason of a version mismatch Refuse: the
// versions this package speaks, in decimal, separated by commas.
const supportedVersions = "3"
