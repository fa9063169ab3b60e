package actor

// A Batch holds messages that arrived from another node for one local
// actor, for Link.TryDeliverBatch: a Transport's reader that delivers a
// burst in one step takes the actor's mailbox lock, looks the actor up and
// wakes it once per burst, not once per message. The zero Batch is empty
// and ready; reuse one with Reset.
type Batch struct {
	envs []envelope
}

// Add appends a message, with what Link.Deliver would take with it.
func (b *Batch) Add(sender PID, msg any, reply Reply) {
	b.envs = append(b.envs, envelope{msg: msg, sender: senderRef(sender), reply: reply.f})
}

// AddReceipt appends a receipt: not a message, since the actor never sees
// it and it never becomes a dead letter, but a mark that calls received
// once it leaves the mailbox, after the messages added before it: when the
// actor comes to it, or when it is dropped, or the actor stops, or does not
// exist. A Transport learns so what its deliveries still hold. A receipt
// takes a slot in the mailbox, like a message.
func (b *Batch) AddReceipt(received func()) {
	b.envs = append(b.envs, envelope{msg: &tick{received: received}})
}

// Len returns how many messages the batch holds.
func (b *Batch) Len() int { return len(b.envs) }

// At returns the parts of the i-th message, as Add took them.
func (b *Batch) At(i int) (sender PID, msg any, reply Reply) {
	e := &b.envs[i]
	return pidOf(e.sender), e.msg, Reply{e.reply}
}

// Reset empties the batch and lets go of its messages, keeping its
// storage.
func (b *Batch) Reset() {
	clear(b.envs)
	b.envs = b.envs[:0]
}

// TryDeliverBatch delivers the leading messages of b that fit in target's
// mailbox now, in order, and returns how many. It never waits, applies no
// overflow policy and makes no dead letter, even for a target that does not
// exist (it returns 0): the caller hands the messages left, in order, to
// TryDeliver or Deliver, which do all that.
func (k *Link) TryDeliverBatch(target PID, b *Batch) int {
	if len(b.envs) == 0 {
		return 0
	}
	p, _, err := k.s.route(k.s.asLocal(target))
	if err != nil {
		return 0
	}
	n := p.mbox.PutSome(b.envs)
	if n > 0 {
		p.schedule()
	}
	return n
}
