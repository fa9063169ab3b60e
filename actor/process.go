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

// envelope is a user message in a mailbox. It is 32 bytes, two to a cache
// line: the sender is a pointer, to the sending actor's own PID or to one
// made for a message from another node, because a PID by value would make
// the envelope 56 bytes and every other one would straddle two lines.
type envelope struct {
	msg    any
	sender *PID    // nil: sent from outside any actor
	reply  *Future // set by System.Request: Context.Respond completes it
}

// pidOf returns *pid, or the zero PID for nil.
func pidOf(pid *PID) PID {
	if pid == nil {
		return PID{}
	}
	return *pid
}

// process is the runtime side of one actor: its mailbox, its system lane and
// its receive loop, which runs on the process's own goroutine.
//
// Its state is three facts, each with one owner:
//   - sched: whether a goroutine serves it, claimed by compare-and-swap by
//     whoever starts or ends that goroutine (loop.go);
//   - life: where its current instance is, owned by that goroutine;
//   - stage: how far its stop has gone. It only moves forward. Anyone may
//     ask for a stop (stageAsked), the watchdog may mark the stop slow
//     (stageSlow); every later stage is the actor's goroutine's to enter.
type process struct {
	// Set at spawn; the actor's goroutine replaces actor at a restart
	// and lets go of it and of producer at the end.
	sys      *System
	self     PID // no Address: an envelope's sender points here
	kind     *kind
	parent   *process
	producer Producer
	actor    Actor
	// Senders read mbox and sched on every send; they sit in the first
	// cache lines, away from the fields the actor writes per message (c),
	// so that the two do not share a line.
	mbox     *mailbox.Queue[envelope]
	sched    atomic.Int32            // idle, running or suspended: whether a goroutine serves the actor (loop.go)
	stage    atomic.Uint32           // how far its stop has gone: see the stages
	unlisted atomic.Bool             // removed from the registry: its hot entry is stale
	life     life                    // the instance's, owned by the actor's goroutine
	lane     atomic.Pointer[sysNode] // the system lane: see pushSystem
	ext      atomic.Pointer[procExt] // the rarely used part, made on first need

	mu sync.Mutex // guards ext's timers, context and done

	strategy *supervisor.Strategy // for this actor's children
	tag      *Tag                 // WithTag or WithHooks: nil for most actors

	// Owned by the actor's goroutine.
	c    Context
	ties *ties // children, watches and restart bookkeeping, made on first need
}

// life is where the actor's current instance is: made, started and
// running, or suspended until its supervisor decides.
type life uint8

const (
	lifeNew       life = iota // an instance is made: Started comes next
	lifeNewAck                // the same, and its parent's restart plan waits to hear of Started
	lifeRunning               // Started has run: messages flow
	lifeSuspended             // failed, halted or exited: system messages only, until a directive
)

// The stages of a stop, in order. Each step of the stop is entered once:
// a handler that calls runtime.Goexit during one makes the stop go on from
// the next (see finishStop).
const (
	stageNone     uint32 = iota // nobody asked, nothing decided
	stageAsked                  // a stop was asked for: the context is cancelled, a sysStop queued
	stageDecided                // the actor must stop, for ext's stopCause: the loop ends next
	stageStopping               // the stop has begun: Stopping is delivered
	stageChildren               // the children are stopped
	stageStopped                // Stopped is delivered
	stageEnding                 // the mailbox is closed, watchers and parent told
	stageEnded                  // the stop has run to its end

	stageSlow  uint32 = 1 << 8 // a flag beside the stage: a handler outlived the stop grace
	stageSteps        = stageSlow - 1
)

// stageOf returns how far the actor's stop has gone.
func (p *process) stageOf() uint32 { return p.stage.Load() & stageSteps }

// reach moves the stop to stage s, and reports whether it did: false when
// it is there or further already.
func (p *process) reach(s uint32) bool {
	for {
		old := p.stage.Load()
		if old&stageSteps >= s {
			return false
		}
		if p.stage.CompareAndSwap(old, old&^stageSteps|s) {
			return true
		}
	}
}

// ending reports whether a stop is decided or under way.
func (p *process) ending() bool { return p.stageOf() >= stageDecided }

// stopping reports whether the stop has begun: children are no longer
// spawned nor restarted, timers no longer set.
func (p *process) stopping() bool { return p.stageOf() >= stageStopping }

// procExt is the rarely used part of a process, made on first need: an
// actor that never blocked on a send, asked for its context, failed, was
// waited for or stopped does not carry it.
type procExt struct {
	// Under p.mu.
	idleTimer *time.Timer // gives the mailbox's storage back after tune.IdleRelease
	goctx     context.Context
	cancel    context.CancelFunc
	watchdog  *time.Timer
	timers    map[*time.Timer]struct{} // restart backoffs under way (after)
	clocks    *timerSet                // the instance's SendAfter and SendEvery timers (timer.go)
	done      chan struct{}            // made on demand by Wait
	reason    error                    // set before done is closed

	// The loop sleeps on wake for a system message while waiting is set
	// (waitSystem); wake is made on first use by the actor's goroutine.
	waiting atomic.Bool
	wake    chan struct{}

	// Owned by the actor's goroutine.
	stopCause error      // the stop's reason (nil: a normal stop), set when it is decided
	pending   []envelope // taken from the mailbox, not handled, kept over a failure
	rest      []envelope // the batch's messages not begun, while a handler may call runtime.Goexit outside a run of Receive
	pendFirst uint64     // sequence number of pending[0]
	pendBase  uint64     // sequence number of the first message of the Drain pending came from
	poisonAt  uint64     // 1 + the mark of the earliest Poison; 0: not poisoned

	// Used only by whoever decides for the actor: its parent's goroutine,
	// or its own at the top.
	hist *supervisor.History // this actor's restarts, made on the first failure
}

// ties are what binds an actor to others: its children, in spawn order, and
// the watches both ways. They are made on first need and owned by the
// actor's goroutine (a child is added by its parent's, which is the same
// thing: Context.Spawn runs there).
type ties struct {
	children []*process
	watchers map[PID]struct{} // actors told when this one stops
	watching map[PID]struct{} // actors this one watches
	sup      *supState        // restarts of the children, made on a child's first failure
}

// bonds returns the actor's ties, making them on first use.
func (p *process) bonds() *ties {
	if p.ties == nil {
		p.ties = new(ties)
	}
	return p.ties
}

// children returns the running children, in spawn order.
func (p *process) children() []*process {
	if p.ties == nil {
		return nil
	}
	return p.ties.children
}

// watching reports whether the actor watches pid.
func (p *process) watching(pid PID) bool {
	if p.ties == nil {
		return false
	}
	_, ok := p.ties.watching[pid]
	return ok
}

// pid returns the actor's PID, as its System names it: with no Address.
func (p *process) pid() PID { return p.self }

// cause returns the stop's reason (stopCause), nil for a normal stop.
func (p *process) cause() error {
	if e := p.ext.Load(); e != nil {
		return e.stopCause
	}
	return nil
}

// extra returns the process's rarely used part, making it on first use.
func (p *process) extra() *procExt {
	if e := p.ext.Load(); e != nil {
		return e
	}
	p.ext.CompareAndSwap(nil, new(procExt))
	return p.ext.Load()
}

// poisonedAt reports whether a Poison stops the actor before the message
// with sequence number seq.
func (p *process) poisonedAt(seq uint64) bool {
	e := p.ext.Load()
	return e != nil && e.poisonAt != 0 && seq+1 >= e.poisonAt
}

// overflowOption holds the mailbox option of each policy, made once: made
// at every spawn, it would be one more allocation.
var overflowOption = [...]mailbox.Option{
	mailbox.Block:      mailbox.WithOverflow(mailbox.Block),
	mailbox.DropNewest: mailbox.WithOverflow(mailbox.DropNewest),
	mailbox.DropOldest: mailbox.WithOverflow(mailbox.DropOldest),
	mailbox.Reject:     mailbox.WithOverflow(mailbox.Reject),
}

func newProcess(s *System, parent *process, pid PID, producer Producer, a Actor, cfg *spawnConfig) *process {
	p := &process{sys: s, self: PID{ID: pid.ID}, kind: s.kindFor(cfg.kind), parent: parent, producer: producer, actor: a, strategy: cfg.strategy}
	p.mbox = mailbox.New[envelope](cfg.size, overflowOption[cfg.overflow])
	if cfg.overflow == mailbox.DropNewest || cfg.overflow == mailbox.DropOldest {
		reason := mailbox.ErrDroppedNewest
		if cfg.overflow == mailbox.DropOldest {
			reason = mailbox.ErrDroppedOldest
		}
		p.mbox.OnDrop(func(env envelope) { s.deadLetter(pid, env, reason) })
	}
	p.c.proc = p
	return p
}

// invoke hands a lifecycle message (Started, Terminated, Restarting,
// Stopping, Stopped) to Receive, turning a panic into a *PanicError.
func (p *process) invoke(msg any) (perr *PanicError) {
	if p.actor == nil { // halted between two instances
		return nil
	}
	returned := false
	defer func() {
		if !returned {
			var pcs [maxPanicFrames]uintptr
			n := runtime.Callers(2, pcs[:]) // see receiveRun
			perr = p.recovered(recover(), pcs[:n])
		}
	}()
	p.receive(msg, nil, nil)
	returned = true
	p.c.msg = nil
	return nil
}

// receive hands one message to Receive: the one place where Receive is
// called, for lifecycle messages (invoke) and the mailbox's (receiveRun).
// Small enough to be inlined into both.
func (p *process) receive(msg any, sender *PID, reply *Future) {
	c := &p.c
	c.msg, c.sender, c.reply = msg, sender, reply
	p.actor.Receive(c)
}

// recovered reports what ended a Receive early, a panic with value r or,
// with r nil, runtime.Goexit, as a *PanicError. A Goexit ends the
// goroutine, so the actor stops, for that reason unless its stop has begun
// already (a Goexit in Stopping): run's defer goes on with the stop.
func (p *process) recovered(r any, pcs []uintptr) *PanicError {
	c := &p.c
	var perr *PanicError
	if r != nil {
		perr = panicErrorOf(pcs, r, c.msg)
	} else {
		perr = panicErrorOf(pcs, "runtime.Goexit called in Receive", c.msg)
		if p.reach(stageDecided) {
			p.extra().stopCause = perr
		}
	}
	p.panicked(perr, c.reply)
	c.msg, c.sender, c.reply = nil, nil, nil
	return perr
}

// panicked reports a recovered panic: logged with its stack, counted,
// published, and the request being handled, if any, is answered.
func (p *process) panicked(perr *PanicError, reply *Future) {
	p.sys.logLimited("panic", p.kind.name, "actor: panic in Receive", perr.Stack, func() []any {
		return []any{"pid", p.pid().String(), "kind", p.kind.name, "panic", perr.Value, "message", typeName(perr.Message)}
	})
	if reply != nil {
		reply.complete(nil, errNoReply(perr))
	}
	p.kind.panicked(perr)
	p.sys.publish(ActorFailed{PID: p.pid(), Kind: p.kind.name, Err: perr})
}

// context returns the instance's context, made on first use: most actors
// never ask for it and do not pay for it.
func (p *process) context() context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.extra()
	if e.goctx == nil {
		e.goctx, e.cancel = context.WithCancel(context.Background())
		if p.stageOf() >= stageAsked {
			e.cancel()
		}
	}
	return e.goctx
}

// cancelLocked cancels the instance's context, if it has one, under mu.
func (p *process) cancelLocked() {
	if e := p.ext.Load(); e != nil && e.cancel != nil {
		e.cancel()
	}
}

func (p *process) hasChild(child *process) bool {
	for _, c := range p.children() {
		if c == child {
			return true
		}
	}
	return false
}

func (p *process) removeChild(child *process) {
	kids := p.children()
	for i, c := range kids {
		if c == child {
			last := len(kids) - 1
			copy(kids[i:], kids[i+1:])
			kids[last] = nil
			p.ties.children = kids[:last]
			return
		}
	}
}
