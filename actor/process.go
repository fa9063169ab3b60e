package actor

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/supervisor"
)

// envelope is a user message in a mailbox.
type envelope struct {
	msg    any
	sender PID
	reply  *Future // set by System.Request: Context.Respond completes it
}

type sysKind uint8

const (
	sysStop         sysKind = iota + 1
	sysPoison               // stop once every message before mark is handled
	sysWatch                // pid watches us
	sysUnwatch              // pid no longer watches us
	sysTerminated           // pid, which we watch, stopped with reason
	sysChildStopped         // child has stopped
	sysFailed               // to a parent: child panicked with reason
	sysResume               // from the parent: go on with the next message
	sysHalt                 // from the parent: end the instance, then ack sysHalted
	sysHalted               // to a parent: child has ended its instance
	sysStart                // start a new instance (ack sysStarted to a parent)
	sysStarted              // to a parent: child has a new instance
	sysPlanResume           // to a parent: a restart plan's backoff is over
	sysExit                 // from the actor itself: it stops, or restarts if Permanent
	sysExited               // to a parent: child stopped itself normally
)

// sysMsg travels in the system lane: unbounded, small, and always taken
// before user messages, so a full mailbox never delays a stop.
type sysMsg struct {
	kind   sysKind
	pid    PID
	reason error
	mark   uint64
	child  *process
	plan   *restartPlan
}

// process is the runtime side of one actor: its mailbox, its system lane and
// its receive loop, which runs on the process's own goroutine.
type process struct {
	sys      *System
	pid      PID
	kind     *kind
	parent   *process
	producer Producer
	actor    Actor
	mbox     *mailbox.Queue[envelope]

	sysMu      sync.Mutex
	sysQ       []sysMsg
	sysClosed  bool // the actor has stopped: pushSystem refuses
	sysPending atomic.Bool
	sysWaiting bool          // the loop sleeps on sysWake for a system message
	sysWake    chan struct{} // made on first use
	state      atomic.Int32  // idle, running or suspended: whether a goroutine serves the actor
	idleTimer  *time.Timer   // gives the mailbox's storage back after idleRelease; under mu

	mu       sync.Mutex // guards the fields below, the idle timer and the end
	stopReq  bool       // someone asked this actor to stop
	ctxDone  bool       // the instance's context is cancelled
	goctx    context.Context
	cancel   context.CancelFunc
	watchdog *time.Timer
	slowStop atomic.Bool // a handler outlived the stop grace
	stopped  atomic.Bool // the receive loop has ended: stop is under way; read by other goroutines too

	strategy *supervisor.Strategy // for this actor's children

	// Owned by the actor's goroutine.
	c         Context
	started   bool // Started has been delivered to the current instance
	ackStart  bool // tell the parent once Started has run (a restart plan waits)
	suspended bool // failed: only system messages until a directive comes
	mustStop  bool // a system message or a directive says stop, with stopCause
	stopCause error
	pending   []envelope          // taken from the mailbox, not handled, kept over a failure
	pendFirst uint64              // sequence number of pending[0]
	drained   uint64              // sequence number of the first message of the last Drain
	hist      *supervisor.History // this actor's restarts; used only by whoever decides for it
	sup       *supState           // restart bookkeeping, made on the first failure
	rest      []envelope          // the messages of the current batch not yet handled
	sysSpare  []sysMsg
	children  []*process // in spawn order
	watchers  map[PID]struct{}
	watching  map[PID]struct{}
	poisoned  bool
	poisonAt  uint64

	step       uint8 // how far the stop has gone: stepNone until it begins
	stopReason error // the reason the stop began with

	done   chan struct{} // made on demand by Wait; under mu
	ended  bool
	reason error
}

func newProcess(s *System, parent *process, pid PID, producer Producer, a Actor, cfg *spawnConfig) *process {
	p := &process{sys: s, pid: pid, kind: s.kindFor(cfg.kind), parent: parent, producer: producer, actor: a, strategy: cfg.strategy}
	opts := []mailbox.Option{mailbox.WithOverflow(cfg.overflow)}
	if cfg.overflow == mailbox.DropNewest || cfg.overflow == mailbox.DropOldest {
		opts = append(opts, mailbox.WithOnDrop(func(env envelope) {
			s.deadLetter(pid, env, mailbox.ErrDropped)
		}))
	}
	p.mbox = mailbox.New[envelope](cfg.size, opts...)
	p.c.proc = p
	return p
}

// spinYields is how many times an actor that has run out of messages yields
// the processor, watching for more, before its goroutine ends. A sender that
// is still sending is caught without the cost of a new goroutine.
const spinYields = 8

// Scheduling states. An actor has a goroutine only while it has work: an
// idle actor costs its memory and nothing else.
const (
	idle int32 = iota
	running
	suspended // failed and idle: only a system message starts it
)

// schedule starts the actor's goroutine if it is idle. Senders call it after
// every message they queue; it costs one atomic load when the actor runs.
func (p *process) schedule() bool {
	if p.state.Load() != idle {
		return false // the fast path, inlined into every send
	}
	return p.start()
}

func (p *process) start() bool {
	if p.state.CompareAndSwap(idle, running) {
		go p.run()
		return true
	}
	return false
}

// run is the actor's goroutine while it has work.
func (p *process) run() {
	finished := false
	defer func() {
		if finished {
			return
		}
		if r := recover(); r != nil {
			panic(r) // a bug in the runtime itself, not in Receive: crash loudly
		}
		// Receive called runtime.Goexit: the goroutine ends, the actor too,
		// and what it had taken from the mailbox becomes dead letters. A
		// Goexit in Stopping or Stopped lands here too, and the stop goes
		// on from the step after the one it interrupted.
		leftover := append(p.rest, p.takePending()...)
		p.rest = nil
		p.finishStop(p.stopCause, leftover)
	}()
	if stop, leftover, reason := p.serve(); stop {
		p.finishStop(reason, leftover)
	}
	finished = true
}

// finishStop runs the stop to its end whatever the handlers do: when one
// calls runtime.Goexit, the goroutine unwinds through the deferred call
// here, which goes on with the next step. Each step runs once, so this
// recurses at most once per step.
func (p *process) finishStop(reason error, leftover []envelope) {
	finished := false
	defer func() {
		if finished {
			return
		}
		if r := recover(); r != nil {
			panic(r) // a bug in the runtime itself
		}
		p.finishStop(reason, nil)
	}()
	p.stop(reason, leftover)
	finished = true
}

// serve runs the receive loop until the actor must stop, and returns why,
// with the messages it had taken from the mailbox but not handled; or until
// it has no work left, and returns stop false.
func (p *process) serve() (stop bool, leftover []envelope, reason error) {
	for {
		if !p.started && !p.suspended && !p.mustStop {
			// Started comes first for every instance, before any message.
			p.started = true
			perr := p.invoke(Started{}, PID{}, nil)
			if p.ackStart {
				p.ackStart = false
				p.parent.pushSystem(sysMsg{kind: sysStarted, child: p})
			}
			if perr != nil {
				p.fail(perr)
				continue
			}
		}
		if p.sysPending.Load() {
			p.handleSystem()
		}
		if p.mustStop {
			return true, p.takePending(), p.stopCause
		}
		if p.suspended {
			if !p.sysPending.Load() && p.goIdle() {
				return false, nil, nil
			}
			continue
		}
		if !p.started {
			continue
		}
		batch, first := p.pending, p.pendFirst
		if batch != nil {
			p.pending = nil
		} else {
			batch, first = p.mbox.Drain(0)
			p.drained = first
		}
		if len(batch) == 0 {
			if p.poisoned && first >= p.poisonAt {
				return true, nil, nil
			}
			if p.sysPending.Load() || !p.goIdle() {
				continue
			}
			return false, nil, nil
		}
		if stop, leftover, reason := p.handleBatch(batch, first); stop {
			return true, leftover, reason
		}
	}
}

// handleBatch hands a batch to Receive one message at a time, looking at the
// system lane between any two, until the batch is done (stop false), the
// actor must stop (stop true, with what is left of the batch), or a failure
// suspends it (the rest is kept for later). An Observer hears of the batch
// once, with one clock reading at each end.
func (p *process) handleBatch(batch []envelope, first uint64) (stop bool, leftover []envelope, reason error) {
	n := 0
	if p.kind.obs != nil {
		start := time.Now()
		defer func() {
			if n > 0 {
				p.kind.handled(n, start)
			}
		}()
	}
	for i := range batch {
		seq := first + uint64(i)
		if p.sysPending.Load() {
			p.handleSystem()
			if p.mustStop {
				return true, batch[i:], p.stopCause
			}
			if p.suspended { // a failure while handling a system message
				p.keep(batch[i:], seq)
				return false, nil, nil
			}
		}
		if p.poisoned && seq >= p.poisonAt {
			return true, batch[i:], nil
		}
		env := batch[i]
		// batch[i] is not cleared: see mailbox.Queue.Drain
		p.rest = batch[i+1:]
		// It no longer waits: its slot is free for a sender.
		p.mbox.Taken(int(seq-p.drained) + 1)
		n++
		if perr := p.invoke(env.msg, env.sender, env.reply); perr != nil {
			p.keep(p.rest, seq+1)
			p.fail(perr)
			return false, nil, nil
		}
	}
	return false, nil, nil
}

// keep saves the unhandled rest of a batch over a failure: it is handled
// first when the actor goes on, and becomes dead letters if it stops.
func (p *process) keep(rest []envelope, first uint64) {
	p.rest = nil // pending holds them now
	p.pending = append([]envelope(nil), rest...)
	p.pendFirst = first
	if len(p.pending) == 0 {
		p.pending = nil
	}
}

func (p *process) takePending() []envelope {
	rest := p.pending
	p.pending = nil
	return rest
}

// goIdle is called with nothing to do. It yields a few times watching for
// work, then gives back the mailbox's storage and marks the actor idle,
// unless work arrived meanwhile. It reports whether the goroutine may end.
func (p *process) goIdle() bool {
	userWork := !p.suspended // a suspended actor waits for system messages only
	for i := 0; i < spinYields; i++ {
		runtime.Gosched()
		if (userWork && p.mbox.Pending()) || p.sysPending.Load() {
			return false
		}
	}
	to := idle
	if p.suspended {
		to = suspended
	}
	small := false
	if userWork && p.mbox.Storage() <= smallStorage {
		// Little to keep, nothing worth a timer: give it back now, while
		// no other goroutine can be using it.
		p.mbox.Release()
		small = true
	}
	p.state.Store(to)
	// A sender that queued after our last look saw running and left the
	// work to us: look once more. Either we see its message here, or it
	// sees idle and starts a new goroutine; the CAS picks one of us.
	if (userWork && p.mbox.Len() > 0) || p.sysPending.Load() {
		return !p.state.CompareAndSwap(to, running)
	}
	if userWork && !small {
		// Give the mailbox's storage back if the actor stays idle. Not at
		// once: an actor between two bursts would pay to grow it again.
		p.mu.Lock()
		if p.idleTimer == nil {
			p.idleTimer = time.AfterFunc(idleRelease, p.releaseIdle)
		} else {
			p.idleTimer.Reset(idleRelease)
		}
		p.mu.Unlock()
	}
	return true
}

// smallStorage is the mailbox storage, in slots, that an actor going idle
// gives back at once; more waits for idleRelease.
const smallStorage = 16

// idleRelease is how long an actor must be idle before its mailbox's
// storage is given back.
const idleRelease = 5 * time.Millisecond

// releaseIdle runs on a timer. It claims an idle actor as a sender would, so
// no goroutine can be using the mailbox's buffers, gives them back, and
// hands the actor back, starting it if work arrived meanwhile.
func (p *process) releaseIdle() {
	if !p.state.CompareAndSwap(idle, running) {
		return // busy again: it keeps its storage
	}
	p.mbox.Release()
	p.state.Store(idle)
	if p.mbox.Len() > 0 || p.sysPending.Load() {
		p.schedule()
	}
}

// invoke calls Receive with msg, turning a panic into a *PanicError.
func (p *process) invoke(msg any, sender PID, reply *Future) (perr *PanicError) {
	if p.actor == nil { // halted between two instances
		if reply != nil {
			reply.complete(nil, errNoReply(ErrStopped))
		}
		return nil
	}
	c := &p.c
	c.msg, c.sender, c.reply = msg, sender, reply
	returned := false
	defer func() {
		if r := recover(); r != nil {
			perr = newPanicError(r, msg)
			p.panicked(perr, reply)
		} else if !returned {
			// runtime.Goexit: the goroutine is ending; run records why.
			perr := newPanicError("runtime.Goexit called in Receive", msg)
			p.stopCause = perr // the loop never returns: run's defer reads it
			p.panicked(perr, reply)
		}
		c.msg, c.sender, c.reply = nil, PID{}, nil
	}()
	p.actor.Receive(c)
	returned = true
	if reply != nil {
		// Respond is valid only during Receive: no answer can come now.
		reply.complete(nil, errUnanswered)
	}
	return nil
}

// panicked reports a recovered panic: logged with its stack, counted,
// published, and the request being handled, if any, is answered.
func (p *process) panicked(perr *PanicError, reply *Future) {
	p.sys.logLimited("panic", p.kind.name, "actor: panic in Receive", perr.Stack,
		"pid", p.pid.String(), "kind", p.kind.name, "panic", perr.Value, "message", typeName(perr.Message))
	if reply != nil {
		reply.complete(nil, errNoReply(perr))
	}
	p.kind.panicked(perr)
	p.sys.publish(ActorFailed{PID: p.pid, Kind: p.kind.name, Err: perr})
}

// pushSystem queues a system message; it returns false once the actor has
// stopped.
func (p *process) pushSystem(m sysMsg) bool {
	p.sysMu.Lock()
	if p.sysClosed {
		p.sysMu.Unlock()
		return false
	}
	p.sysQ = append(p.sysQ, m)
	waiting := p.sysWaiting
	p.sysWaiting = false
	p.sysMu.Unlock()
	p.sysPending.Store(true)
	if waiting {
		select {
		case p.sysWake <- struct{}{}:
		default:
		}
		return true
	}
	if p.state.Load() != running && (p.state.CompareAndSwap(idle, running) || p.state.CompareAndSwap(suspended, running)) {
		go p.run()
	}
	return true
}

// waitSystem sleeps until a system message arrives, for a loop that waits
// for its children to stop.
func (p *process) waitSystem() {
	p.sysMu.Lock()
	if len(p.sysQ) > 0 {
		p.sysMu.Unlock()
		return
	}
	if p.sysWake == nil {
		p.sysWake = make(chan struct{}, 1)
	}
	wake := p.sysWake
	p.sysWaiting = true
	p.sysMu.Unlock()
	<-wake
}

// handleSystem takes every queued system message and acts on it. A stop it
// decides on is left in mustStop and stopCause. It may run again, nested,
// while a restart waits for children to stop.
func (p *process) handleSystem() {
	p.sysPending.Store(false)
	p.sysMu.Lock()
	msgs := p.sysQ
	p.sysQ = p.sysSpare[:0]
	p.sysSpare = nil // a nested call must not reuse the slice we iterate
	p.sysMu.Unlock()
	for i := range msgs {
		m := msgs[i]
		msgs[i] = sysMsg{}
		switch m.kind {
		case sysStop:
			p.stopNow(m.reason)
		case sysPoison:
			if !p.poisoned || m.mark < p.poisonAt {
				p.poisoned, p.poisonAt = true, m.mark
			}
		case sysWatch, sysUnwatch:
			p.updateWatchers(m)
		case sysChildStopped:
			p.removeChild(m.child)
			if p.sup != nil && len(p.sup.plans) > 0 {
				p.childGone(m.child)
			}
		case sysTerminated:
			if _, ok := p.watching[m.pid]; !ok {
				continue // unwatched since: say nothing
			}
			if p.mustStop || p.stopped.Load() {
				continue
			}
			if p.suspended {
				p.su().deferred = append(p.su().deferred, m) // for the instance that comes next
				continue
			}
			delete(p.watching, m.pid)
			if perr := p.invoke(Terminated{PID: m.pid, Reason: m.reason}, PID{}, nil); perr != nil {
				p.fail(perr)
			}
		case sysFailed:
			p.childFailed(m.child, m.reason.(*PanicError))
		case sysExit:
			if !p.mustStop && !p.stopped.Load() {
				p.exitNormally()
			}
		case sysExited:
			p.childExited(m.child)
		case sysResume:
			if !p.mustStop && !p.stopped.Load() {
				p.resume()
			}
		case sysHalt:
			if !p.mustStop && !p.stopped.Load() {
				p.halt(m.reason)
				p.parent.pushSystem(sysMsg{kind: sysHalted, child: p})
			}
		case sysStart:
			if !p.mustStop && !p.stopped.Load() {
				p.startInstance(m.reason)
				// The parent hears of it once Started has run, so that a
				// group restart starts the next sibling only then.
				p.ackStart = p.parent != nil
			}
		case sysHalted:
			p.acked(m.child, false)
		case sysStarted:
			p.acked(m.child, true)
		case sysPlanResume:
			if !p.stopped.Load() {
				p.advance(m.plan)
			}
		}
	}
	if p.sysSpare == nil {
		p.sysSpare = msgs[:0]
	}
}

// updateWatchers applies a sysWatch or sysUnwatch; it ignores other kinds.
func (p *process) updateWatchers(m sysMsg) {
	switch m.kind {
	case sysWatch:
		if p.watchers == nil {
			p.watchers = make(map[PID]struct{})
		}
		p.watchers[m.pid] = struct{}{}
	case sysUnwatch:
		delete(p.watchers, m.pid)
	}
}

func (p *process) hasChild(child *process) bool {
	for _, c := range p.children {
		if c == child {
			return true
		}
	}
	return false
}

func (p *process) removeChild(child *process) {
	for i, c := range p.children {
		if c == child {
			last := len(p.children) - 1
			copy(p.children[i:], p.children[i+1:])
			p.children[last] = nil
			p.children = p.children[:last]
			return
		}
	}
}

// requestStop asks the actor to stop after its current message. Its context
// is cancelled at once, and a watchdog reports a handler that is still
// running when the stop grace has passed.
func (p *process) requestStop(reason ...error) {
	p.mu.Lock()
	if p.stopReq {
		p.mu.Unlock()
		return
	}
	p.stopReq = true
	p.cancelLocked()
	if p.state.Load() == running {
		// A handler may be running: report it if it outlives the grace. An
		// idle actor handles the stop before any other message.
		p.watchdog = time.AfterFunc(p.sys.grace, p.reportSlowStop)
	}
	p.mu.Unlock()
	m := sysMsg{kind: sysStop}
	if len(reason) > 0 {
		m.reason = reason[0]
	}
	p.pushSystem(m)
}

func (p *process) cancelLocked() {
	p.ctxDone = true
	if p.cancel != nil {
		p.cancel()
	}
}

// context returns the instance's context, made on first use: most actors
// never ask for it and do not pay for it.
func (p *process) context() context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.goctx == nil {
		p.goctx, p.cancel = context.WithCancel(context.Background())
		if p.ctxDone {
			p.cancel()
		}
	}
	return p.goctx
}

// reportSlowStop runs when the stop grace has passed. An actor whose
// receive loop has ended is stopping its children or finishing: not its
// handler's fault. One still in its loop is stuck in a handler.
func (p *process) reportSlowStop() {
	if p.stopped.Load() {
		return
	}
	p.slowStop.Store(true)
	p.sys.logger.Warn("actor: handler still running after stop; it ignores Context.Context",
		"pid", p.pid.String(), "kind", p.kind.name, "grace", p.sys.grace)
}

// Steps of an actor's stop, in order. Each is entered once: a handler that
// calls runtime.Goexit during one makes the stop go on from the next.
const (
	stepNone     uint8 = iota
	stepStopping       // Stopping is delivered
	stepChildren       // the children are stopped
	stepStopped        // Stopped is delivered
	stepEnd            // the mailbox is closed, watchers and parent told
)

// stop runs the actor's end: Stopping, its children stopped one at a time in
// reverse spawn order, Stopped, the mailbox closed and what is left in it
// turned into dead letters, then watchers and parent told. Called again
// after a Goexit, it goes on from the step that was interrupted.
func (p *process) stop(reason error, leftover []envelope) {
	if p.step < stepStopping {
		p.step = stepStopping
		p.stopReason = reason
		p.stopped.Store(true)
		p.mu.Lock()
		p.cancelLocked()
		p.mu.Unlock()
		p.deadLetters(leftover)
		p.invokeWhileStopping(Stopping{})
	}
	if p.step < stepChildren {
		p.step = stepChildren
		p.stopChildren()
	}
	if p.step < stepStopped {
		p.step = stepStopped
		p.invokeWhileStopping(Stopped{})
	}
	if p.step < stepEnd {
		p.step = stepEnd
		p.end(p.stopReason)
	}
}

// end is the last step of a stop, where no handler runs.
func (p *process) end(reason error) {
	p.mbox.Close()
	for {
		batch, _ := p.mbox.Drain(0)
		if len(batch) == 0 {
			break
		}
		p.deadLetters(batch)
	}
	p.sys.registry.remove(p)

	p.sysMu.Lock()
	p.sysClosed = true
	rest := p.sysQ
	p.sysQ = nil
	p.sysMu.Unlock()
	for _, m := range rest {
		p.updateWatchers(m) // late watchers are told too
	}

	p.mu.Lock()
	if p.watchdog != nil {
		p.watchdog.Stop()
	}
	if p.idleTimer != nil {
		p.idleTimer.Stop()
	}
	p.mu.Unlock()
	if p.slowStop.Load() {
		reason = ignoredStop(reason)
	}
	// The parent first: a parent that also watches sees its list of
	// children without this one by the time Terminated arrives.
	if p.parent != nil {
		p.parent.pushSystem(sysMsg{kind: sysChildStopped, child: p})
	}
	for w := range p.watchers {
		p.sys.terminated(w, p.pid, reason)
	}
	for pid := range p.watching {
		if t := p.sys.transportOf(pid); t != nil {
			t.Unwatch(pid, p.pid) // the other node forgets a watcher that is gone
		}
	}
	p.kind.stopped(reason)
	p.mu.Lock()
	p.ended, p.reason = true, reason
	if p.done != nil {
		close(p.done)
	}
	p.mu.Unlock()
	p.sys.release()
}

// invokeWhileStopping delivers a lifecycle message during the stop; a panic
// there is reported but does not change the stop reason.
func (p *process) invokeWhileStopping(msg any) {
	p.invoke(msg, PID{}, nil)
}

func (p *process) deadLetters(envs []envelope) {
	for i := range envs {
		p.sys.deadLetter(p.pid, envs[i], ErrStopped)
		envs[i] = envelope{}
	}
}

// doneChan returns a channel closed when the actor has stopped.
func (p *process) doneChan() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		p.done = make(chan struct{})
		if p.ended {
			close(p.done)
		}
	}
	return p.done
}

// tell queues a system message for a local actor, if it is still there.
func (s *System) tell(pid PID, m sysMsg) bool {
	if pid.Address != "" {
		return false
	}
	p := s.lookup(pid.ID)
	return p != nil && p.pushSystem(m)
}

// unwatch tells target, local or remote, that watcher no longer watches it.
func (s *System) unwatch(target, watcher PID) {
	if t := s.transportOf(target); t != nil {
		t.Unwatch(target, watcher)
		return
	}
	s.tell(target, sysMsg{kind: sysUnwatch, pid: watcher})
}

// terminated tells watcher, local or remote, that target stopped.
func (s *System) terminated(watcher, target PID, reason error) {
	if t := s.transportOf(watcher); t != nil {
		t.Terminated(watcher, target, reason)
		return
	}
	s.tell(watcher, sysMsg{kind: sysTerminated, pid: target, reason: reason})
}
