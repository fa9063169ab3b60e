package actor

import (
	"context"
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
	timers   map[*time.Timer]struct{} // restart backoffs under way (after)
	slowStop atomic.Bool              // a handler outlived the stop grace
	stopping atomic.Bool              // the stop has begun (set by stop); read by other goroutines too

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
	p.mbox = mailbox.New[envelope](cfg.size, mailbox.WithOverflow(cfg.overflow))
	if cfg.overflow == mailbox.DropNewest || cfg.overflow == mailbox.DropOldest {
		p.mbox.OnDrop(func(env envelope) { s.deadLetter(pid, env, mailbox.ErrDropped) })
	}
	p.c.proc = p
	return p
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

func (p *process) cancelLocked() {
	p.ctxDone = true
	if p.cancel != nil {
		p.cancel()
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
