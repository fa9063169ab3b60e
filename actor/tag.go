package actor

import "sync/atomic"

// Tags and hooks let a package built on actor keep a little state of its
// own beside each actor it spawns, and hear of the actor's life, without
// wrapping the user's actor in one of its own: package cluster keeps its
// virtual actors so. A wrapper costs every actor its size, a second
// interface call per message, and a hand-over between the old wrapper and
// the new one at every restart; a tag is three words that outlive restarts
// by themselves.

// Hooks are told of the life of an actor spawned WithTag or WithHooks. Both
// run on the actor's goroutine. They must not panic: a panic in a hook is a
// bug of the package that set it, and crashes the program as one in the
// runtime does.
type Hooks struct {
	// Start runs before each instance of the actor receives Started: the
	// first one and each restart's. If it returns false, that instance
	// receives no message at all, not even Stopping or Stopped, and the
	// actor stops, normally: what is queued becomes dead letters. Nil
	// admits every instance.
	Start func(c *Context, t *Tag) bool

	// End runs once, when the actor has stopped, however it stopped: after
	// Stopped when an instance received it, and also when none could (a
	// restart whose producer gave no instance, a stop during a restart's
	// backoff, a stop before the first Started). It runs before the name
	// is free for another actor. Nil is nothing to tell.
	End func(t *Tag)
}

// Tag is what Hooks keep of one actor: a word of state and the actor it
// belongs to. It is made by NewTag for WithTag, or by the runtime for
// WithHooks, and belongs to one actor for good.
type Tag struct {
	// State is the hooks' own, but for TagTouched, which the runtime sets.
	State atomic.Uint64

	p     atomic.Pointer[process]
	hooks *Hooks
}

// TagTouched is the bit of Tag.State that the runtime sets whenever the
// actor takes a batch of messages to handle, before the first of them;
// whoever reads it clears it, to learn whether the actor was idle since
// (package cluster passivates so).
const TagTouched = 1 << 63

// NewTag returns a tag for one spawn WithTag, whose hooks are h.
func NewTag(h *Hooks) *Tag { return &Tag{hooks: h} }

// PID returns the PID of the tag's actor, and the zero PID before a spawn
// took the tag.
func (t *Tag) PID() PID {
	if p := t.p.Load(); p != nil {
		return p.self
	}
	return PID{}
}

// WithTag spawns the actor with tag t: its hooks are called for it, and
// t.PID names it. A tag serves one actor: a second spawn with t fails
// with ErrTagTaken, unless the first one failed. WithTag(nil) is no
// option.
func WithTag(t *Tag) Option {
	return spawnOption(func(c *spawnConfig) { c.tag = t })
}

// WithHooks spawns the actor with a tag of its own, made by the runtime,
// whose hooks are h: the option for a producer registered for others to
// spawn (remote.Node.RegisterKind), where no caller can make the tag.
// WithHooks(nil) is no option.
func WithHooks(h *Hooks) Option {
	return spawnOption(func(c *spawnConfig) { c.hooks = h })
}

// tagFor returns the tag a spawn with cfg gives p, taken for p, or nil.
func tagFor(p *process, cfg *spawnConfig) (*Tag, error) {
	t := cfg.tag
	if t == nil {
		if cfg.hooks == nil {
			return nil, nil
		}
		t = NewTag(cfg.hooks)
	}
	if !t.p.CompareAndSwap(nil, p) {
		return nil, ErrTagTaken
	}
	return t, nil
}

// admit asks the Start hook of the actor's tag (the caller checked it has
// one) whether the new instance may run. A refused one is dropped at once,
// and the actor stops.
func (p *process) admit() bool {
	t := p.tag
	if t.hooks == nil || t.hooks.Start == nil || t.hooks.Start(&p.c, t) {
		return true
	}
	p.actor = nil
	p.requestStop(nil)
	return false
}

// touch marks the actor's tag (the caller checked it has one) before a
// batch of messages.
func (p *process) touch() {
	if t := p.tag; t.State.Load()&TagTouched == 0 {
		t.State.Or(TagTouched)
	}
}

// untag tells the End hook of the actor's tag (the caller checked it has
// one) that the actor has stopped.
//
//go:noinline
func (p *process) untag() {
	if h := p.tag.hooks; h != nil && h.End != nil {
		h.End(p.tag)
	}
}
