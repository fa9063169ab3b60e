package actor

import (
	"crypto/rand"
	"fmt"
	"reflect"

	"github.com/google/uuid"
	"github.com/troupe-go/troupe/mailbox"
	"github.com/troupe-go/troupe/supervisor"
)

// DefaultMailboxSize is the capacity of an actor's mailbox when WithMailboxSize
// is not given. Storage is taken only for what is queued.
const DefaultMailboxSize = 1024

// Option configures an actor at Spawn; the WithXxx functions make them, and
// a nil option is ignored.
type Option interface {
	applySpawn(*spawnConfig)
}

// spawnOption makes a plain function an Option.
type spawnOption func(*spawnConfig)

func (f spawnOption) applySpawn(c *spawnConfig) { f(c) }

type spawnConfig struct {
	name     string
	kind     string
	size     int
	overflow mailbox.Overflow
	strategy *supervisor.Strategy
	tag      *Tag   // WithTag
	hooks    *Hooks // WithHooks
}

// WithName gives the actor its ID. Spawn returns ErrNameTaken if a running
// actor already has it. Without a name the ID is a generated uuid.
func WithName(name string) Option {
	return spawnOption(func(c *spawnConfig) { c.name = name })
}

// WithKind sets the actor's kind, the label under which its metrics and logs
// are grouped. The default is the Go type of the actor the producer makes
// (for example "*main.Ponger"). Keep kinds few: they are metric labels.
func WithKind(kind string) Option {
	return spawnOption(func(c *spawnConfig) { c.kind = kind })
}

// WithMailboxSize sets how many messages may wait in the actor's mailbox.
// Zero or less means DefaultMailboxSize.
func WithMailboxSize(n int) Option {
	return spawnOption(func(c *spawnConfig) { c.size = n })
}

// WithOverflow sets what a full mailbox does with one more message (see
// package mailbox): Block, the default, makes senders wait; Reject fails the
// send with mailbox.ErrFull; DropNewest and DropOldest turn the message they
// drop into a dead letter.
func WithOverflow(o mailbox.Overflow) Option {
	return spawnOption(func(c *spawnConfig) { c.overflow = o })
}

// Spawn starts a top-level actor made by producer and returns its PID. The
// producer is called at once, on the caller's goroutine, and again for every
// restart. Spawn returns ErrNilProducer if producer is nil or returns nil,
// an error if it panics; ErrNameTaken for a name in use; ErrSystemStopped once Shutdown has
// begun.
func (s *System) Spawn(producer Producer, opts ...Option) (PID, error) {
	return s.spawn(nil, producer, opts)
}

// SpawnFunc starts a top-level actor whose Receive is f.
func (s *System) SpawnFunc(f func(c *Context), opts ...Option) (PID, error) {
	if f == nil {
		return PID{}, ErrNilProducer
	}
	return s.spawn(nil, func() Actor { return ReceiveFunc(f) }, opts)
}

func (s *System) spawn(parent *process, producer Producer, opts []Option) (PID, error) {
	if s.stopped.Load() {
		return PID{}, ErrSystemStopped
	}
	cfg := configure(opts)
	if cfg.size <= 0 {
		cfg.size = DefaultMailboxSize
	}
	if cfg.strategy == nil {
		cfg.strategy = s.children // strategies are immutable: one serves all
	}
	if cfg.overflow > mailbox.Reject {
		return PID{}, fmt.Errorf("actor: unknown overflow policy %v", cfg.overflow)
	}
	a, err := produce(producer)
	if err != nil {
		return PID{}, err
	}
	if cfg.name == "" {
		cfg.name = newID()
	}
	if cfg.kind == "" {
		cfg.kind = kindOf(a)
	}
	p := newProcess(s, parent, PID{ID: cfg.name}, producer, a, &cfg)
	if cfg.tag != nil || cfg.hooks != nil {
		if p.tag, err = tagFor(p, &cfg); err != nil {
			return PID{}, err
		}
	}
	if err := s.register(p); err != nil {
		if p.tag != nil {
			p.tag.p.Store(nil) // free for another spawn
		}
		return PID{}, err
	}
	if parent != nil {
		t := parent.bonds()
		t.children = append(t.children, p)
	}
	p.kind.spawned()
	p.schedule() // delivers Started
	return p.pid(), nil
}

// configure applies the spawn options. A spawn without options, the most
// common, does not pay for the configuration's allocation: the options are
// interface calls, so the value they write to must live on the heap.
func configure(opts []Option) spawnConfig {
	if len(opts) == 0 {
		return spawnConfig{size: DefaultMailboxSize}
	}
	cfg := new(spawnConfig)
	cfg.size = DefaultMailboxSize
	for _, opt := range opts {
		if opt != nil {
			opt.applySpawn(cfg)
		}
	}
	return *cfg
}

// newID returns a random (version 4) uuid as a string, as uuid.NewString
// does, in one allocation instead of two.
func newID() string {
	var u uuid.UUID
	rand.Read(u[:])         // never fails: crypto/rand crashes the program first
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10 (RFC 9562)
	return u.String()
}

// produce calls the producer, turning a nil result or a panic into an error.
func produce(producer Producer) (a Actor, err error) {
	if producer == nil {
		return nil, ErrNilProducer
	}
	defer func() {
		if r := recover(); r != nil {
			// Keep the panic's value and stack: errors.As finds the
			// *PanicError, errors.Is the value if it is an error.
			a, err = nil, fmt.Errorf("actor: producer panicked: %w", newPanicError(r, nil))
		}
	}()
	a = producer()
	if a == nil {
		return nil, ErrNilProducer
	}
	// A typed nil (a nil *T in the interface) would panic at every
	// message: refuse it once here rather than at every restart.
	switch v := reflect.ValueOf(a); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		if v.IsNil() {
			return nil, ErrNilProducer
		}
	}
	return a, nil
}

func kindOf(a Actor) string {
	if _, ok := a.(ReceiveFunc); ok {
		return "func"
	}
	return reflect.TypeOf(a).String()
}
