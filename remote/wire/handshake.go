package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// HandshakeConfig is one node's side of a handshake. Addr and Incarnation
// are required; the zero values of the other fields work.
type HandshakeConfig struct {
	// Cookie is the secret both nodes share. Nil or empty is the empty
	// cookie: proofs are still computed and checked, so both sides must
	// have it empty.
	Cookie []byte
	// Addr is this node's listen address, host:port, at most MaxAddrLen
	// bytes of printable ASCII: the address its peers dial and its actors'
	// PIDs carry.
	Addr string
	// Incarnation identifies this run of the node (NewIncarnation); the
	// zero value is refused.
	Incarnation Incarnation
	// Rand is the source of the nonces. Nil means crypto/rand.Reader;
	// tests give fixed bytes.
	Rand io.Reader
	// Sent, when not nil, is called by Dial with the nonce of its Hello
	// just before sending it: a node records the dials it has under way,
	// to answer confirmations (Confirmed).
	Sent func(Nonce)
	// Confirmed answers a confirmation, on the acceptor's side: whether
	// this node is dialling the node at addr with a Hello of nonce n. Nil
	// answers no to every one.
	Confirmed func(addr string, n Nonce) bool
}

// validate reports what makes the config unusable.
func (c *HandshakeConfig) validate() error {
	if err := validAddr(c.Addr); err != nil {
		return fmt.Errorf("%w: Addr: %w", ErrConfig, err)
	}
	if c.Incarnation == (Incarnation{}) {
		return fmt.Errorf("%w: Incarnation is zero", ErrConfig)
	}
	return nil
}

// Peer is the node at the other end of a handshake, as it introduced
// itself: its listen address and its incarnation, and the nonce of its
// Hello or Challenge.
type Peer struct {
	Addr        string      // its listen address, host:port
	Incarnation Incarnation // this run of it
	Nonce       Nonce       // its nonce in this handshake: what a confirmation asks about
}

// NewIncarnation draws a random, non-zero incarnation from r (nil means
// crypto/rand.Reader). A node calls it once when it starts.
func NewIncarnation(r io.Reader) (Incarnation, error) {
	if r == nil {
		r = rand.Reader
	}
	var inc Incarnation
	for inc == (Incarnation{}) {
		if _, err := io.ReadFull(r, inc[:]); err != nil {
			return Incarnation{}, fmt.Errorf("wire: drawing an incarnation: %w", err)
		}
	}
	return inc, nil
}

// The labels that open each proof's input, so that the acceptor's proof
// can never pass for the initiator's. The 3 names the proof scheme of
// protocol version 3.
const (
	labelAcceptor  = "troupe/3 acceptor"
	labelInitiator = "troupe/3 initiator"
)

// InitiatorProof returns the proof the initiator sends in its Proof frame,
// in answer to Challenge c: HMAC-SHA256 keyed by cookie over the label
// "troupe/3 initiator", a zero byte, both nonces, both incarnations, both
// addresses and the Hello's Confirm field (docs/wire-protocol.md, section
// 3.3).
func InitiatorProof(cookie []byte, h *Hello, c *Challenge) Digest {
	return proof(cookie, labelInitiator, h, c, nil)
}

// AcceptorProof returns the proof the acceptor puts in its Accept frame a,
// once the initiator's proof has passed: as InitiatorProof with the label
// "troupe/3 acceptor", followed by one byte, 1 if a.Confirmed, else 0.
// a.Proof is not used.
func AcceptorProof(cookie []byte, h *Hello, c *Challenge, a *Accepted) Digest {
	answer := []byte{0}
	if a.Confirmed {
		answer[0] = 1
	}
	return proof(cookie, labelAcceptor, h, c, answer)
}

func proof(cookie []byte, label string, h *Hello, c *Challenge, tail []byte) Digest {
	confirm := h.confirm()
	in := make([]byte, 0, len(label)+1+2*len(Nonce{})+2*len(Incarnation{})+4+len(h.Addr)+len(c.Addr)+1+len(confirm)+len(tail))
	in = append(append(in, label...), 0)
	in = append(append(in, h.Nonce[:]...), c.Nonce[:]...)
	in = append(append(in, h.Incarnation[:]...), c.Incarnation[:]...)
	in = append(binary.BigEndian.AppendUint16(in, uint16(len(h.Addr))), h.Addr...)
	in = append(binary.BigEndian.AppendUint16(in, uint16(len(c.Addr))), c.Addr...)
	in = append(append(in, byte(len(confirm))), confirm...)
	in = append(in, tail...)
	m := hmac.New(sha256.New, cookie)
	m.Write(in)
	var d Digest
	m.Sum(d[:0])
	return d
}

// Dial runs the initiator's side of the handshake over rw, a connection
// just opened: it sends Hello, reads the acceptor's Challenge, proves that
// it knows the cookie with its Proof, and waits for the Accept that
// carries the acceptor's proof, which it checks. It returns the acceptor
// as it introduced itself.
//
// Set a deadline on the connection first: Dial waits as long as reads and
// writes do. When the acceptor fails (bad magic, another version, a proof
// that does not match), Dial sends it a Refuse before returning
// ErrBadMagic, ErrVersion or ErrBadProof; when the acceptor refuses, Dial
// returns a *RefusedError. Either way the caller closes the connection.
// Nothing past the Accept frame is read from rw.
func Dial(rw io.ReadWriter, cfg HandshakeConfig) (Peer, error) {
	p, _, err := dial(rw, &cfg, Nonce{})
	return p, err
}

// Confirm asks the node at the other end of rw, a connection just opened,
// whether it is dialling this node with a Hello of nonce n: the handshake
// of Dial, whose Hello carries n as its Confirm field, and whose Accept
// carries the answer. No session follows: close rw once Confirm returns.
// A zero n is ErrConfig.
func Confirm(rw io.ReadWriter, cfg HandshakeConfig, n Nonce) (Peer, bool, error) {
	if n == (Nonce{}) {
		return Peer{}, false, fmt.Errorf("%w: nothing to confirm", ErrConfig)
	}
	return dial(rw, &cfg, n)
}

func dial(rw io.ReadWriter, cfg *HandshakeConfig, confirm Nonce) (Peer, bool, error) {
	if err := cfg.validate(); err != nil {
		return Peer{}, false, err
	}
	h := newHandshake(rw, cfg)
	hello := Hello{Addr: cfg.Addr, Incarnation: cfg.Incarnation, Confirm: confirm}
	if err := h.nonce(&hello.Nonce); err != nil {
		return Peer{}, false, err
	}
	if cfg.Sent != nil {
		cfg.Sent(hello.Nonce)
	}
	if err := h.flush(h.enc.AppendHello(&hello)); err != nil {
		return Peer{}, false, fmt.Errorf("wire: handshake: sending Hello: %w", err)
	}

	f, err := h.read(FrameChallenge)
	if err != nil {
		return Peer{}, false, err
	}
	var ch Challenge
	if err := h.dec.DecodeChallenge(f, &ch); err != nil {
		return Peer{}, false, h.fail(err)
	}
	p := Proof{Proof: InitiatorProof(cfg.Cookie, &hello, &ch)}
	if err := h.flush(h.enc.AppendProof(&p)); err != nil {
		return Peer{}, false, fmt.Errorf("wire: handshake: sending Proof: %w", err)
	}

	f, err = h.read(FrameAccept)
	if err != nil {
		return Peer{}, false, err
	}
	var a Accepted
	if err := h.dec.DecodeAccept(f, &a); err != nil {
		return Peer{}, false, h.fail(err)
	}
	want := AcceptorProof(cfg.Cookie, &hello, &ch, &a)
	if !hmac.Equal(want[:], a.Proof[:]) {
		h.refuse(CodeBadProof, "")
		return Peer{}, false, fmt.Errorf("%w: acceptor %s", ErrBadProof, ch.Addr)
	}
	if a.Confirmed && confirm == (Nonce{}) {
		h.refuse(CodeProtocolError, "a confirmation answered where none was asked")
		return Peer{}, false, malformed("Accept confirms what the Hello did not ask")
	}
	return Peer{Addr: ch.Addr, Incarnation: ch.Incarnation, Nonce: ch.Nonce}, a.Confirmed, nil
}

// Accept runs the acceptor's side of the handshake over rw, a connection
// just accepted: it reads Hello, answers with a Challenge (its nonce,
// nothing computed from the cookie), checks the initiator's Proof, asks
// decide, and sends Accept with its own proof. It returns the initiator as
// it introduced itself.
//
// decide (nil accepts every peer) runs once the initiator has proved it
// knows the cookie. If it returns an error, Accept sends a Refuse and
// returns that error: a *RefusedError chooses the code and reason (for
// instance CodeDuplicate for the losing side of a simultaneous connect, or
// CodeShuttingDown); any other error is sent as CodeRefused with its text.
//
// A Hello that asks for a confirmation is answered with cfg.Confirmed, in
// the Accept, without asking decide; Accept then returns the initiator and
// an error wrapping ErrConfirmation, since no session follows.
//
// Set a deadline on the connection first. Other failures are sent to the
// initiator as a Refuse too, and returned as in Dial.
func Accept(rw io.ReadWriter, cfg HandshakeConfig, decide func(Peer) error) (Peer, error) {
	if err := cfg.validate(); err != nil {
		return Peer{}, err
	}
	h := newHandshake(rw, &cfg)
	f, err := h.read(FrameHello)
	if err != nil {
		return Peer{}, err
	}
	var hello Hello
	if err := h.dec.DecodeHello(f, &hello); err != nil {
		return Peer{}, h.fail(err)
	}
	ch := Challenge{Addr: cfg.Addr, Incarnation: cfg.Incarnation}
	if err := h.nonce(&ch.Nonce); err != nil {
		return Peer{}, err
	}
	if err := h.flush(h.enc.AppendChallenge(&ch)); err != nil {
		return Peer{}, fmt.Errorf("wire: handshake: sending Challenge: %w", err)
	}

	f, err = h.read(FrameProof)
	if err != nil {
		return Peer{}, err
	}
	var p Proof
	if err := h.dec.DecodeProof(f, &p); err != nil {
		return Peer{}, h.fail(err)
	}
	want := InitiatorProof(cfg.Cookie, &hello, &ch)
	if !hmac.Equal(want[:], p.Proof[:]) {
		h.refuse(CodeBadProof, "")
		return Peer{}, fmt.Errorf("%w: initiator %s", ErrBadProof, hello.Addr)
	}

	peer := Peer{Addr: hello.Addr, Incarnation: hello.Incarnation, Nonce: hello.Nonce}
	var a Accepted
	probe := hello.Confirm != (Nonce{})
	switch {
	case probe:
		a.Confirmed = cfg.Confirmed != nil && cfg.Confirmed(hello.Addr, hello.Confirm)
	case decide != nil:
		if err := decide(peer); err != nil {
			var r *RefusedError
			if errors.As(err, &r) && r.Code != CodeOK {
				h.refuse(r.Code, r.Reason)
			} else {
				h.refuse(CodeRefused, err.Error())
			}
			return Peer{}, err
		}
	}
	a.Proof = AcceptorProof(cfg.Cookie, &hello, &ch, &a)
	if err := h.flush(h.enc.AppendAccept(&a)); err != nil {
		return Peer{}, fmt.Errorf("wire: handshake: sending Accept: %w", err)
	}
	if probe {
		return peer, fmt.Errorf("%w: answered %v to %s", ErrConfirmation, a.Confirmed, hello.Addr)
	}
	return peer, nil
}

// handshake holds what one side of a handshake reads and writes with.
type handshake struct {
	rw  io.ReadWriter
	cfg *HandshakeConfig
	enc *Encoder
	dec Decoder
	hdr [HeaderSize]byte
	buf []byte
}

func newHandshake(rw io.ReadWriter, cfg *HandshakeConfig) *handshake {
	return &handshake{rw: rw, cfg: cfg, enc: NewEncoder(MaxHandshakeFrameSize)}
}

func (h *handshake) nonce(n *Nonce) error {
	r := h.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return fmt.Errorf("wire: handshake: drawing a nonce: %w", err)
	}
	return nil
}

// flush writes the frame just appended, unless appending it failed.
func (h *handshake) flush(err error) error {
	if err == nil {
		_, err = h.enc.WriteTo(h.rw)
	}
	h.enc.Reset()
	return err
}

// maxReasonLen bounds the reason of a Refuse this package sends, so that
// the frame stays under MaxHandshakeFrameSize.
const maxReasonLen = 256

// refuse sends a Refuse, on a best-effort basis: the connection is about
// to be closed whether it arrives or not.
func (h *handshake) refuse(code Code, reason string) {
	if len(reason) > maxReasonLen {
		cut := maxReasonLen
		for cut > 0 && !utf8.RuneStart(reason[cut]) {
			cut--
		}
		reason = reason[:cut]
	}
	_ = h.flush(h.enc.AppendRefuse(&Refuse{Code: code, Reason: reason}))
}

// fail refuses the peer with the code that matches err, a body decoding
// error, and returns err.
func (h *handshake) fail(err error) error {
	switch {
	case errors.Is(err, ErrBadMagic):
		h.refuse(CodeBadMagic, "")
	case errors.Is(err, ErrVersion):
		h.refuse(CodeVersionMismatch, supportedVersions)
	default:
		h.refuse(CodeProtocolError, err.Error())
	}
	return err
}

// read reads the next frame, which must be of type want. A Refuse from the
// peer is returned as a *RefusedError, except in place of a Hello: an
// initiator has nothing to refuse before it has spoken. Bytes that are not
// a frame earn the peer a Refuse with CodeBadMagic, a frame of another type
// one with CodeProtocolError.
func (h *handshake) read(want FrameType) (Frame, error) {
	b, err := readFrame(h.rw, &h.hdr, h.buf, MaxHandshakeFrameSize)
	var f Frame
	if err == nil {
		h.buf = b[:0]
		if err = Check(b); err == nil {
			f, err = h.dec.parse(b)
		}
	}
	if err != nil {
		if isFramingError(err) {
			h.refuse(CodeBadMagic, "")
			return Frame{}, fmt.Errorf("%w: waiting for %s: %w", ErrBadMagic, want, err)
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Frame{}, fmt.Errorf("wire: handshake: waiting for %s: %w", want, err)
	}
	if f.Type == FrameRefuse && want != FrameHello {
		var r Refuse
		if err := h.dec.DecodeRefuse(f, &r); err != nil {
			return Frame{}, h.fail(err)
		}
		return Frame{}, &RefusedError{Code: r.Code, Reason: r.Reason}
	}
	if f.Type != want {
		h.refuse(CodeProtocolError, want.String()+" expected, not "+f.Type.String())
		return Frame{}, fmt.Errorf("%w: %s, want %s", ErrUnexpectedFrame, f.Type, want)
	}
	return f, nil
}
