package actor

// The receive loop: an actor has a goroutine only while it has work, and
// hands its messages to Receive in batches.

import (
	"runtime"
	"time"

	"github.com/troupe-go/troupe/internal/tune"
)

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
	if p.sched.Load() != idle {
		return false // the fast path, inlined into every send
	}
	return p.start(false)
}

// start gives the actor a goroutine unless one serves it: from idle, or
// from suspended for a system message (system true), since a suspended
// actor waits for its supervisor's word. It is the one place where an
// actor's goroutine begins.
func (p *process) start(system bool) bool {
	if p.sched.CompareAndSwap(idle, running) || system && p.sched.CompareAndSwap(suspended, running) {
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
		leftover := p.takeRest()
		p.finishStop(leftover)
	}()
	if stop, leftover := p.serve(); stop {
		p.finishStop(leftover)
	}
	finished = true
}

// finishStop runs the stop to its end whatever the handlers do: when one
// calls runtime.Goexit, the goroutine unwinds through the deferred call
// here, which goes on with the next step. Each step runs once, so this
// recurses at most once per step.
func (p *process) finishStop(leftover []envelope) {
	finished := false
	defer func() {
		if finished {
			return
		}
		if r := recover(); r != nil {
			panic(r) // a bug in the runtime itself
		}
		p.finishStop(nil)
	}()
	p.stop(leftover)
	finished = true
}

// serve runs the receive loop until the actor must stop, and returns the
// messages it had taken from the mailbox but not handled; or until it has
// no work left, and returns stop false.
func (p *process) serve() (stop bool, leftover []envelope) {
	grown := false
	for {
		if (p.life == lifeNew || p.life == lifeNewAck) && !p.ending() {
			// Started comes first for every instance, before any message.
			ack := p.life == lifeNewAck
			p.life = lifeRunning
			var perr *PanicError
			if p.tag == nil || p.admit() {
				perr = p.invoke(Started{})
			}
			if ack {
				p.parent.pushSystem(sysMsg{kind: sysStarted, child: p})
			}
			if perr != nil {
				p.fail(perr)
				continue
			}
		}
		if p.systemPending() {
			p.handleSystem()
		}
		if p.ending() {
			return true, p.takePending()
		}
		if p.life == lifeSuspended {
			if !p.systemPending() && p.goIdle() {
				return false, nil
			}
			continue
		}
		if p.life != lifeRunning {
			continue
		}
		// base is the sequence number of the first message of the last
		// Drain: the mailbox counts Taken from there.
		var batch []envelope
		var first, base uint64
		if e := p.ext.Load(); e != nil && e.pending != nil {
			batch, first, base = e.pending, e.pendFirst, e.pendBase
			e.pending = nil
		} else {
			batch, first = p.mbox.Drain()
			base = first
		}
		if len(batch) == 0 {
			if p.poisonedAt(first) {
				return true, nil
			}
			if p.systemPending() || !p.goIdle() {
				continue
			}
			return false, nil
		}
		if !grown {
			growStack()
			grown = true
		}
		if p.tag != nil {
			p.touch()
		}
		var stop bool
		var leftover []envelope
		if p.kind.obs != nil {
			stop, leftover = p.handleObserved(batch, first, base)
		} else {
			stop, leftover, _ = p.handleBatch(batch, first, base)
		}
		if stop {
			return true, leftover
		}
	}
}

// handleBatch hands a batch to Receive one message at a time, looking at the
// system lane between any two, until the batch is done (stop false), the
// actor must stop (stop true, with what is left of the batch), or a failure
// suspends it (the rest is kept for later). It returns how many messages
// it handed to Receive.
func (p *process) handleBatch(batch []envelope, first, base uint64) (stop bool, leftover []envelope, n int) {
	for i := 0; i < len(batch); {
		next, perr := p.receiveRun(batch, first, base, i)
		n += next - i
		i = next
		if perr != nil {
			p.keep(batch[i:], first+uint64(i), base)
			p.fail(perr)
			return false, nil, n
		}
		if i == len(batch) {
			break
		}
		// receiveRun stopped before batch[i]: the system lane has work, or
		// a poison mark is reached.
		if p.systemPending() {
			e := p.extra()
			e.rest = batch[i:] // for run, if a handler calls runtime.Goexit
			p.handleSystem()
			e.rest = nil
			if p.ending() {
				return true, batch[i:], n
			}
			if p.life == lifeSuspended { // a failure while handling a system message
				p.keep(batch[i:], first+uint64(i), base)
				return false, nil, n
			}
		}
		if p.poisonedAt(first + uint64(i)) {
			return true, batch[i:], n
		}
	}
	return false, nil, n
}

// handleObserved is handleBatch for an actor with an Observer, which hears
// of the batch once, with one clock reading at each end. It is kept apart
// so that the clock does not enlarge the stack of every actor.
func (p *process) handleObserved(batch []envelope, first, base uint64) (stop bool, leftover []envelope) {
	start := time.Now()
	stop, leftover, n := p.handleBatch(batch, first, base)
	if n > 0 {
		p.kind.handled(n, start)
	}
	return stop, leftover
}

// receiveRun hands batch[from:] to Receive until the batch is done, the
// system lane has work or a poison mark is reached, and returns the index
// of the first message not begun. A panic in Receive ends the run with the
// index past the failed message and the recovered *PanicError. One deferred
// recover serves the whole run: one per message cost a tenth of a ping-pong.
func (p *process) receiveRun(batch []envelope, first, base uint64, from int) (next int, perr *PanicError) {
	next = from
	inside := false // Receive is running: a panic or Goexit is the actor's
	defer func() {
		if !inside {
			return
		}
		var pcs [maxPanicFrames]uintptr
		n := runtime.Callers(2, pcs[:]) // here, where the walk is shortest: from the panic
		r := recover()
		if r == nil { // runtime.Goexit: run turns the rest of the batch into dead letters
			p.extra().rest = batch[next:]
		}
		perr = p.recovered(r, pcs[:n])
	}()
	for next < len(batch) && !p.systemPending() && !p.poisonedAt(first+uint64(next)) {
		env := &batch[next] // not cleared: see mailbox.Queue.Drain
		next++
		// It no longer waits: its slot is free for a sender.
		p.mbox.Taken(int(first + uint64(next) - base))
		msg, live := untick(env.msg)
		if !live {
			continue // its timer stopped: the tick is withdrawn
		}
		inside = true
		p.receive(msg, env.sender, env.reply)
		inside = false
		if env.reply != nil {
			// Respond is valid only during Receive: no answer can come now.
			env.reply.complete(nil, errUnanswered)
		}
	}
	c := &p.c
	c.msg, c.sender, c.reply = nil, nil, nil
	return next, nil
}

// keep saves the unhandled rest of a batch over a failure: it is handled
// first when the actor goes on, and becomes dead letters if it stops. Out
// of line, it keeps handleBatch's frame small (see Context.send).
//
//go:noinline
func (p *process) keep(rest []envelope, first, base uint64) {
	if len(rest) == 0 {
		return
	}
	e := p.extra()
	e.pending = append([]envelope(nil), rest...)
	e.pendFirst, e.pendBase = first, base
}

// takeRest returns what a runtime.Goexit left unhandled: the rest of the
// batch, then the messages kept over a failure.
func (p *process) takeRest() []envelope {
	e := p.ext.Load()
	if e == nil {
		return nil
	}
	rest := append(e.rest, e.pending...)
	e.rest, e.pending = nil, nil
	return rest
}

func (p *process) takePending() []envelope {
	e := p.ext.Load()
	if e == nil {
		return nil
	}
	rest := e.pending
	e.pending = nil
	return rest
}

// goIdle is called with nothing to do. It yields a few times watching for
// work, then gives back the mailbox's storage and marks the actor idle,
// unless work arrived meanwhile. It reports whether the goroutine may end.
func (p *process) goIdle() bool {
	userWork := p.life != lifeSuspended // a suspended actor waits for system messages only
	if p.sys.spinners.Add(1) <= p.sys.procs {
		// Spinning pays only while a processor is free to run the sender
		// it waits for: past one spinner per processor, more would only
		// keep goroutines alive, and each goroutine the runtime has had
		// at once it keeps for good.
		for i := 0; i < tune.SpinYields; i++ {
			runtime.Gosched()
			if (userWork && p.mbox.Pending()) || p.systemPending() {
				p.sys.spinners.Add(-1)
				return false
			}
		}
	}
	p.sys.spinners.Add(-1)
	to := idle
	if !userWork {
		to = suspended
	}
	small := false
	if userWork && p.mbox.Storage() <= smallStorage {
		// Little to keep, nothing worth a timer: give it back now, while
		// no other goroutine can be using it.
		p.mbox.Release()
		small = true
	}
	p.sched.Store(to)
	// A sender that queued after our last look saw running and left the
	// work to us: look once more. Either we see its message here, or it
	// sees idle and starts a new goroutine; the CAS picks one of us.
	if (userWork && p.mbox.Len() > 0) || p.systemPending() {
		return !p.sched.CompareAndSwap(to, running)
	}
	if userWork && !small {
		// Give the mailbox's storage back if the actor stays idle. Not at
		// once: an actor between two bursts would pay to grow it again.
		p.mu.Lock()
		if e := p.extra(); e.idleTimer == nil {
			e.idleTimer = time.AfterFunc(tune.IdleRelease, p.releaseIdle)
		} else {
			e.idleTimer.Reset(tune.IdleRelease)
		}
		p.mu.Unlock()
	}
	return true
}

// smallStorage is the mailbox storage, in slots, that an actor going idle
// gives back at once; more waits for tune.IdleRelease.
const smallStorage = 16

// releaseIdle runs on a timer. It claims an idle actor as a sender would, so
// no goroutine can be using the mailbox's buffers, gives them back, and
// hands the actor back, starting it if work arrived meanwhile.
func (p *process) releaseIdle() {
	if !p.sched.CompareAndSwap(idle, running) {
		return // busy again: it keeps its storage
	}
	p.mbox.Release()
	p.sched.Store(idle)
	if p.mbox.Len() > 0 || p.systemPending() {
		p.schedule()
	}
}

// growStack makes the goroutine's stack grow while it is shallow, before
// the first batch of user messages: a receive, a send and an allocation
// under it outgrow a new goroutine's 2 KiB, and growing there, deep,
// copied a dozen frames each time, a tenth of a ping-pong's CPU.
//
//go:noinline
func growStack() {
	var pad [1024]byte
	sink(pad[:])
}

//go:noinline
func sink([]byte) {}
