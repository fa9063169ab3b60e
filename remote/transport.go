package remote

import (
	"context"
	"errors"
	"fmt"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/remote/wire"
)

// transport is the node as the System's actor.Transport: the System calls
// it, on the caller's goroutine, for every send, request, watch and stop
// whose PID names another node. Every method queues and returns; none
// holds a lock while it waits, and only Send waits at all (for room in a
// full queue, when asked to).
type transport struct{ n *Node }

// Send queues msg for target's node. An unregistered type is refused at
// once (ErrUnknownType); so is every send once the node is stopping
// (ErrNodeStopped). A request gets an id and waits in the peer's pending
// table until its reply, its node's loss, or its caller's giving up
// (Reply.OnDone) removes it.
func (t transport) Send(ctx context.Context, wait bool, target, sender actor.PID, msg any, reply actor.Reply) error {
	n := t.n
	if n.life.Stopping() {
		return ErrNodeStopped
	}
	info := n.cfg.Types.of(msg)
	if info == nil {
		return fmt.Errorf("%w: %T", ErrUnknownType, msg)
	}
	p, err := n.usePeer(target.Address)
	if err != nil {
		return err
	}
	defer p.use.RUnlock()
	m := outMsg{target: target.ID, sender: n.localID(sender), msg: msg, info: info}
	if !reply.IsZero() {
		m.req = p.addRequest(reply)
	}
	return p.enqueue(ctx, wait, m)
}

// localID returns the id of sender as the peer will know it: a local
// actor's id, or "" for none (the wire cannot name a third node).
func (n *Node) localID(sender actor.PID) string {
	if sender.Address == "" || sender.Address == n.addr {
		return sender.ID
	}
	return ""
}

// enqueue puts m in the data lane, waiting for room (a slot, and its
// bytes: see outbytes.go) only if wait is true. A payload that cannot be
// encoded is a dead letter at once.
func (p *peer) enqueue(ctx context.Context, wait bool, m outMsg) error {
	var err error
	p.stats.sent.Add(1) // before the writer can count it written
	// weigh's common case, written out here: it runs for every message,
	// and a call costs as much as the work.
	reserved := false
	if c := m.info.codec; c != nil {
		if n := c.MaxSize(m.msg); n >= 0 {
			m.size = frameOverhead + len(m.target) + len(m.sender) + len(m.info.name) + n
			b := &p.bytes
			used := b.used.Load()
			reserved = (used == 0 || used+int64(m.size) <= b.limit) && b.used.CompareAndSwap(used, used+int64(m.size))
		}
	}
	if !reserved {
		if ok, err := p.weigh(ctx, wait, &m); !ok {
			if err != nil {
				p.stats.sent.Add(^uint64(0))
			}
			return err // nil: a dead letter under a drop policy
		}
	}
	if wait {
		if err = ctx.Err(); err == nil {
			err = p.queue.Put(ctx, m)
		}
	} else {
		err = p.queue.TryPut(m)
	}
	if err != nil {
		p.release(m.size)
		p.stats.sent.Add(^uint64(0))
		if errors.Is(err, mailbox.ErrClosed) {
			return ErrNodeStopped
		}
		return err
	}
	if !p.up.Load() {
		p.poke()
	}
	return nil
}

// addRequest records a request to the peer under a fresh id.
func (p *peer) addRequest(reply actor.Reply) *request {
	return p.track(&request{id: p.n.nextRequestID(), reply: reply})
}

// track records r as pending until it completes, by whatever means.
func (p *peer) track(r *request) *request {
	reply := r.reply
	p.mu.Lock()
	p.pending[r.id] = r
	p.mu.Unlock()
	reply.OnDone(func() {
		r.done.Store(true)
		p.mu.Lock()
		delete(p.pending, r.id)
		p.mu.Unlock()
	})
	return r
}

// takeRequest removes and returns the pending request id, or nil; spawn
// says whether a Spawned (true) or a Reply (false) answers it, so that an
// answer of the wrong kind finds nothing.
func (p *peer) takeRequest(id uint64, spawn bool) *request {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.pending[id]
	if r == nil || r.spawn != spawn {
		return nil
	}
	delete(p.pending, id)
	return r
}

// answer queues the Reply to request id, which arrived on session gen. It
// runs on the answering goroutine, often the target actor's, and never
// waits. An answer of an unregistered type fails the request with
// CodeUnknownType.
func (p *peer) answer(gen, id uint64, v any, err error) {
	f := ctlFrame{kind: wire.FrameReply, gen: gen, id: id, code: codeOf(err)}
	switch {
	case err != nil:
		f.text = err.Error()
	case v != nil:
		if f.info = p.n.cfg.Types.of(v); f.info == nil {
			f.code, f.text = wire.CodeUnknownType, p.unregistered(v)
		} else {
			p.weighReply(&f, v)
		}
	}
	p.push(&f)
}

// unregistered says that the answer v cannot be sent. It is apart from
// answer to keep answer's stack frame small (see push).
func (p *peer) unregistered(v any) string {
	return fmt.Sprintf("the answer's type %T is not registered on %s", v, p.n.addr)
}

// Watch registers watcher's interest in target with target's node, now if
// the peer is up, or as soon as it is.
func (t transport) Watch(target, watcher actor.PID) {
	p, err := t.n.usePeer(target.Address)
	if err != nil {
		t.n.link.Terminated(watcher, target, fmt.Errorf("%w: %w", ErrNodeDown, err))
		return
	}
	defer p.use.RUnlock()
	k := watchKey{target: target.ID, watcher: watcher.ID}
	p.mu.Lock()
	p.watches[k] = struct{}{}
	if p.sess != nil {
		p.pushLocked(&ctlFrame{kind: wire.FrameWatch, gen: p.sess.gen, target: k.target, other: k.watcher})
	}
	p.mu.Unlock()
	if !p.up.Load() {
		p.poke()
	}
}

// Unwatch cancels Watch.
func (t transport) Unwatch(target, watcher actor.PID) {
	p := t.n.lookupPeer(target.Address)
	if p == nil {
		return
	}
	k := watchKey{target: target.ID, watcher: watcher.ID}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.watches[k]; !ok {
		return
	}
	delete(p.watches, k)
	if p.sess != nil {
		p.pushLocked(&ctlFrame{kind: wire.FrameUnwatch, gen: p.sess.gen, target: k.target, other: k.watcher})
	}
}

// Terminated tells the peer's watcher that a local actor it watched has
// stopped, on the session the watch came on.
func (t transport) Terminated(watcher, target actor.PID, reason error) {
	p := t.n.lookupPeer(watcher.Address)
	if p == nil {
		return
	}
	k := watchKey{target: target.ID, watcher: watcher.ID}
	p.mu.Lock()
	gen, ok := p.watchers[k]
	delete(p.watchers, k)
	p.mu.Unlock()
	if !ok {
		return // unwatched, or its session is over: the peer told it already
	}
	f := ctlFrame{kind: wire.FrameTerminated, gen: gen, target: k.target, other: k.watcher, code: codeOf(reason)}
	if reason != nil {
		f.text = reason.Error()
	}
	p.push(&f)
}

// Stop asks target's node to stop it. A stop jumps ahead of queued
// messages, as it does locally; a poison follows the messages queued
// before it, and never waits: a full queue returns mailbox.ErrFull.
func (t transport) Stop(target actor.PID, poison bool) error {
	n := t.n
	if n.life.Stopping() {
		return ErrNodeStopped
	}
	p, err := n.usePeer(target.Address)
	if err != nil {
		return err
	}
	defer p.use.RUnlock()
	if poison {
		err = p.queue.TryPut(outMsg{target: target.ID})
		if errors.Is(err, mailbox.ErrClosed) {
			err = ErrNodeStopped
		}
	} else {
		p.push(&ctlFrame{kind: wire.FrameStop, target: target.ID, code: wire.Code(wire.ModeStop)})
	}
	if err == nil && !p.up.Load() {
		p.poke()
	}
	return err
}

// remoteWatch makes the peer's watcher, from session gen, a watcher of
// the local actor target. It is recorded first, so that a Terminated
// racing with it finds it; a target that does not exist is reported at
// once with CodeNotFound.
func (p *peer) remoteWatch(gen uint64, target, watcher string) {
	k := watchKey{target: target, watcher: watcher}
	if !p.exposed(target, AccessWatch) {
		p.push(&ctlFrame{kind: wire.FrameTerminated, gen: gen, target: target, other: watcher,
			code: wire.CodeFailed, text: ErrNotExposed.Error()})
		return
	}
	p.mu.Lock()
	_, again := p.watchers[k]
	if !again && len(p.watchers) >= p.n.cfg.MaxWatches {
		p.mu.Unlock()
		p.stats.watchesRefused.Add(1)
		if p.n.rare.watches.allow() {
			p.n.log.Warn("remote: watch refused", "peer", p.addr, "watcher", logString(watcher), "max", p.n.cfg.MaxWatches)
		}
		p.push(&ctlFrame{kind: wire.FrameTerminated, gen: gen, target: target, other: watcher,
			code: wire.CodeFailed, text: ErrTooManyWatches.Error()})
		return
	}
	p.watchers[k] = gen
	p.mu.Unlock()
	err := p.n.link.Watch(actor.PID{ID: target}, actor.PID{Address: p.addr, ID: watcher})
	if err == nil {
		return
	}
	p.mu.Lock()
	_, ok := p.watchers[k]
	delete(p.watchers, k)
	p.mu.Unlock()
	if ok {
		p.push(&ctlFrame{kind: wire.FrameTerminated, gen: gen, target: target, other: watcher,
			code: codeOf(err), text: err.Error()})
	}
}

// remoteUnwatch cancels remoteWatch.
func (p *peer) remoteUnwatch(target, watcher string) {
	k := watchKey{target: target, watcher: watcher}
	p.mu.Lock()
	_, ok := p.watchers[k]
	delete(p.watchers, k)
	p.mu.Unlock()
	if ok {
		p.n.link.Unwatch(actor.PID{ID: target}, actor.PID{Address: p.addr, ID: watcher})
	}
}
