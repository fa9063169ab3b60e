package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors of the wire protocol. Compare with errors.Is: most are
// returned wrapped with the detail that explains them.
var (
	// ErrFrameTooLarge is returned when a frame's declared length is over
	// the maximum frame size (refused before anything is allocated), and by
	// the Encoder for a frame that would be larger (the frame is rolled
	// back; the frames before it stay).
	ErrFrameTooLarge = errors.New("wire: frame too large")

	// ErrEmptyFrame is returned when a frame's declared length is zero.
	ErrEmptyFrame = errors.New("wire: empty frame")

	// ErrMalformed is wrapped by every error about bytes that do not follow
	// the protocol: msgpack that fails Check, a frame that is not
	// [type, array], a body with the wrong element count or types, or a
	// field that breaks a rule of the spec (an empty target, for instance).
	// The Encoder wraps it too when asked to write such a frame.
	ErrMalformed = errors.New("wire: malformed frame")

	// ErrTooDeep is wrapped, beside ErrMalformed, by Check's error for
	// msgpack nested deeper than MaxDepth.
	ErrTooDeep = errors.New("wire: msgpack nested too deep")

	// ErrUnknownFrame is returned for a frame type the protocol does not
	// define. The connection cannot go on: the frame cannot be skipped.
	ErrUnknownFrame = errors.New("wire: unknown frame type")

	// ErrUnexpectedFrame is returned for a known frame type that is not
	// valid here: a handshake frame in the session, a session frame or the
	// wrong handshake frame in the handshake, or a frame Dispatch has no
	// handler for.
	ErrUnexpectedFrame = errors.New("wire: unexpected frame type")

	// ErrBadMagic is returned by the handshake when the peer's first frame is
	// not a troupe Hello or Challenge: wrong magic, or bytes that are not a
	// frame at all (an HTTP request, noise).
	ErrBadMagic = errors.New("wire: bad magic: peer does not speak troupe")

	// ErrVersion is returned by the handshake when the peer speaks another
	// protocol version.
	ErrVersion = errors.New("wire: unsupported protocol version")

	// ErrBadProof is returned by the handshake when the peer's proof does not
	// match: the two nodes have different cookies.
	ErrBadProof = errors.New("wire: bad proof: cookies differ")

	// ErrConfirmation is wrapped by Accept's error when the connection was
	// a confirmation (Confirm), answered: no session follows, close it.
	ErrConfirmation = errors.New("wire: a confirmation, answered")

	// ErrRefused matches every *RefusedError: the peer sent a Refuse frame.
	ErrRefused = errors.New("wire: refused by peer")

	// ErrPayload is wrapped by the Encoder's error when a payload value
	// cannot be encoded (msgpack fails or panics, or the result would not
	// pass the peer's Check; only that frame is lost), and by
	// DecodePayload's when a payload cannot be decoded into the type given.
	ErrPayload = errors.New("wire: bad payload")

	// ErrConfig is wrapped by Dial's and Accept's error for a HandshakeConfig
	// that cannot work (no address, a zero incarnation).
	ErrConfig = errors.New("wire: invalid handshake config")
)

// RefusedError is a Refuse frame as an error: the peer refused the
// handshake, with a code and a reason. Return one from Accept's decide hook
// to choose the code the peer sees.
//
// errors.Is matches it with ErrRefused, and also with ErrBadMagic,
// ErrVersion or ErrBadProof when its code is the corresponding one, so
// both sides of a failed handshake see the same cause.
type RefusedError struct {
	// Code says why; never CodeOK.
	Code Code
	// Reason is text for logs. For CodeVersionMismatch it lists the
	// versions the refusing side supports ("1").
	Reason string
}

// Error reports the code and the reason.
func (e *RefusedError) Error() string {
	if e.Code == CodeVersionMismatch {
		return fmt.Sprintf("wire: refused by peer: %s (peer supports version %s)", e.Code, e.Reason)
	}
	if e.Reason == "" {
		return "wire: refused by peer: " + e.Code.String()
	}
	return fmt.Sprintf("wire: refused by peer: %s: %s", e.Code, e.Reason)
}

// Is matches ErrRefused, and the sentinel that names the same cause as
// the code, if there is one.
func (e *RefusedError) Is(target error) bool {
	switch target {
	case ErrRefused:
		return true
	case ErrBadMagic:
		return e.Code == CodeBadMagic
	case ErrVersion:
		return e.Code == CodeVersionMismatch
	case ErrBadProof:
		return e.Code == CodeBadProof
	}
	return false
}

// malformed returns an error wrapping ErrMalformed with a formatted detail.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
