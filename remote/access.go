package remote

import "fmt"

// Access is what a frame from another node asks of a local actor, as
// Config.Expose sees it.
type Access uint8

// The accesses a peer can ask for.
const (
	// AccessSend delivers a message or a request.
	AccessSend Access = iota
	// AccessWatch watches the actor.
	AccessWatch
	// AccessStop stops the actor (Stop) or poisons it.
	AccessStop
)

// String names the access, for logs.
func (a Access) String() string {
	switch a {
	case AccessSend:
		return "send"
	case AccessWatch:
		return "watch"
	case AccessStop:
		return "stop"
	}
	return fmt.Sprintf("Access(%d)", uint8(a))
}

// NoRemoteStop is an Expose rule that lets peers send to and watch every
// actor, and stop or poison none.
func NoRemoteStop(id string, a Access) bool { return a != AccessStop }

// exposed reports whether the peer may do a to the local actor id, and
// counts and logs (at a limited rate) a refusal.
func (p *peer) exposed(id string, a Access) bool {
	expose := p.n.cfg.Expose
	if expose == nil || expose(id, a) {
		return true
	}
	p.stats.refused.Add(1)
	if p.n.rare.access.allow() {
		p.n.log.Warn("remote: access refused", "peer", p.addr, "actor", logString(id), "access", a)
	}
	return false
}
