package wire

import "fmt"

// Handlers is the table Dispatch calls into: one function per session
// frame type. A nil function means the frame is not expected: Dispatch
// returns ErrUnexpectedFrame for it.
//
// The pointer a handler receives is the Decoder's own scratch value, valid
// only during the call: keep its fields (the strings are fresh copies), not
// the pointer. A Payload is valid until the next ReadFrame, so decode it in
// the handler. An error a handler returns is returned by Dispatch as it is.
type Handlers struct {
	Message    func(*Message) error    // FrameMessage: deliver, and answer if RequestID is set
	Reply      func(*Reply) error      // FrameReply: complete a pending request
	Watch      func(*Watch) error      // FrameWatch: a remote watcher watches a local actor
	Unwatch    func(*Watch) error      // FrameUnwatch: it stops watching
	Terminated func(*Terminated) error // FrameTerminated: a watched remote actor ended
	Stop       func(*Stop) error       // FrameStop: stop or poison a local actor
	Spawn      func(*Spawn) error      // FrameSpawn: spawn a local actor, answer with Spawned
	Spawned    func(*Spawned) error    // FrameSpawned: complete a pending spawn
	Heartbeat  func() error            // FrameHeartbeat: the peer is alive
	Close      func(*Close) error      // FrameClose: the peer sends nothing more
	Ack        func(*Ack) error        // FrameAck: the peer has read that many Message frames
}

// dispatchers maps each session frame type to the method that decodes its
// body and calls its handler (as yamux's session.go handlers table).
var dispatchers = [...]func(*Decoder, Frame, *Handlers) error{
	FrameMessage:    (*Decoder).dispatchMessage,
	FrameReply:      (*Decoder).dispatchReply,
	FrameWatch:      (*Decoder).dispatchWatch,
	FrameUnwatch:    (*Decoder).dispatchUnwatch,
	FrameTerminated: (*Decoder).dispatchTerminated,
	FrameStop:       (*Decoder).dispatchStop,
	FrameSpawn:      (*Decoder).dispatchSpawn,
	FrameSpawned:    (*Decoder).dispatchSpawned,
	FrameHeartbeat:  (*Decoder).dispatchHeartbeat,
	FrameClose:      (*Decoder).dispatchClose,
	FrameAck:        (*Decoder).dispatchAck,
}

// Dispatch decodes the body of a session frame and calls its handler in h.
// A handshake frame, or a frame whose handler is nil, is
// ErrUnexpectedFrame; an unknown type is ErrUnknownFrame; a bad body wraps
// ErrMalformed. All three mean the connection cannot go on.
func (d *Decoder) Dispatch(f Frame, h *Handlers) error {
	if int(f.Type) >= len(dispatchers) || dispatchers[f.Type] == nil {
		if f.Type.Known() {
			return fmt.Errorf("%w: %s in the session", ErrUnexpectedFrame, f.Type)
		}
		return fmt.Errorf("%w: %d", ErrUnknownFrame, f.Type)
	}
	return dispatchers[f.Type](d, f, h)
}

func noHandler(t FrameType) error {
	return fmt.Errorf("%w: %s (no handler)", ErrUnexpectedFrame, t)
}

func (d *Decoder) dispatchMessage(f Frame, h *Handlers) error {
	if h.Message == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeMessage(f, &d.msg); err != nil {
		return err
	}
	return h.Message(&d.msg)
}

func (d *Decoder) dispatchReply(f Frame, h *Handlers) error {
	if h.Reply == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeReply(f, &d.reply); err != nil {
		return err
	}
	return h.Reply(&d.reply)
}

func (d *Decoder) dispatchWatch(f Frame, h *Handlers) error {
	if h.Watch == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeWatch(f, &d.watch); err != nil {
		return err
	}
	return h.Watch(&d.watch)
}

func (d *Decoder) dispatchUnwatch(f Frame, h *Handlers) error {
	if h.Unwatch == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeWatch(f, &d.watch); err != nil {
		return err
	}
	return h.Unwatch(&d.watch)
}

func (d *Decoder) dispatchTerminated(f Frame, h *Handlers) error {
	if h.Terminated == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeTerminated(f, &d.terminated); err != nil {
		return err
	}
	return h.Terminated(&d.terminated)
}

func (d *Decoder) dispatchStop(f Frame, h *Handlers) error {
	if h.Stop == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeStop(f, &d.stop); err != nil {
		return err
	}
	return h.Stop(&d.stop)
}

func (d *Decoder) dispatchSpawn(f Frame, h *Handlers) error {
	if h.Spawn == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeSpawn(f, &d.spawn); err != nil {
		return err
	}
	return h.Spawn(&d.spawn)
}

func (d *Decoder) dispatchSpawned(f Frame, h *Handlers) error {
	if h.Spawned == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeSpawned(f, &d.spawned); err != nil {
		return err
	}
	return h.Spawned(&d.spawned)
}

func (d *Decoder) dispatchHeartbeat(f Frame, h *Handlers) error {
	if h.Heartbeat == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeHeartbeat(f); err != nil {
		return err
	}
	return h.Heartbeat()
}

func (d *Decoder) dispatchClose(f Frame, h *Handlers) error {
	if h.Close == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeClose(f, &d.close); err != nil {
		return err
	}
	return h.Close(&d.close)
}

func (d *Decoder) dispatchAck(f Frame, h *Handlers) error {
	if h.Ack == nil {
		return noHandler(f.Type)
	}
	if err := d.DecodeAck(f, &d.ack); err != nil {
		return err
	}
	return h.Ack(&d.ack)
}
