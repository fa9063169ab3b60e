package actor

import (
	"time"

	"github.com/troupe-go/troupe/supervisor"
)

// Restart plans: the ordered halt-then-start of a group of siblings that
// AllForOne, RestForOne and OneForOne restarts go through.

// restartPlan restarts a group of siblings after a failure: it halts them
// one at a time, the last spawned first, then, after the backoff delay,
// starts new instances one at a time in spawn order. Each step waits for the
// child's acknowledgement, so the order holds across goroutines.
type restartPlan struct {
	group    []*process // in spawn order
	reason   error
	delay    time.Duration
	i        int  // the child being halted or started
	starting bool // halting is done
}

// restartChild restarts child, and the siblings its failure touches under
// AllForOne and RestForOne. One for one, the child restarts itself; a
// group goes through an ordered plan.
func (p *process) restartChild(child *process, reason error, delay time.Duration) {
	if p.strategy.Kind() == supervisor.KindOneForOne {
		child.pushSystem(sysMsg{kind: sysRestart, reason: reason, delay: delay})
		return
	}
	kids := p.children()
	lo, hi := p.strategy.Affected(len(kids), p.childIndex(child))
	plan := &restartPlan{group: append([]*process(nil), kids[lo:hi]...), reason: reason, delay: delay}
	plan.i = len(plan.group) - 1
	p.supervising().plans = append(p.supervising().plans, plan)
	p.advance(plan)
}

// advance takes a restart plan one step further, after an acknowledgement.
func (p *process) advance(plan *restartPlan) {
	if !plan.starting {
		for ; plan.i >= 0; plan.i-- {
			if c := plan.group[plan.i]; p.hasChild(c) {
				c.pushSystem(sysMsg{kind: sysHalt, reason: plan.reason})
				return
			}
		}
		plan.starting, plan.i = true, 0
		if plan.delay > 0 {
			p.after(plan.delay, sysMsg{kind: sysPlanResume, plan: plan})
			return
		}
	}
	for ; plan.i < len(plan.group); plan.i++ {
		if c := plan.group[plan.i]; p.hasChild(c) {
			c.pushSystem(sysMsg{kind: sysStart, reason: plan.reason})
			return
		}
	}
	p.finishPlan(plan)
}

// advancePast moves the plan that child belongs to past it, once child has
// acknowledged its halt (starting false) or its start (starting true).
func (p *process) advancePast(child *process, starting bool) {
	for _, plan := range p.supervising().plans {
		if plan.starting == starting && plan.i >= 0 && plan.i < len(plan.group) && plan.group[plan.i] == child {
			if starting {
				plan.i++
			} else {
				plan.i--
			}
			p.advance(plan)
			return
		}
	}
}

func (p *process) finishPlan(plan *restartPlan) {
	sup := p.supervising()
	for i, x := range sup.plans {
		if x == plan {
			sup.plans = append(sup.plans[:i], sup.plans[i+1:]...)
			break
		}
	}
	if len(sup.plans) == 0 && len(sup.queued) > 0 {
		next := sup.queued[0]
		sup.queued = sup.queued[1:]
		p.childFailed(next.child, next.reason.(*PanicError))
	}
}

// childGone moves past a child that stopped while a plan waited for it.
func (p *process) childGone(child *process) {
	for _, plan := range p.supervising().plans {
		if plan.i >= 0 && plan.i < len(plan.group) && plan.group[plan.i] == child {
			p.advance(plan) // advance skips children that are gone
			return
		}
	}
}

// inPlan reports whether child is due to be halted or started by a plan.
func (p *process) inPlan(child *process) bool {
	for _, plan := range p.supervising().plans {
		for j, c := range plan.group {
			if c == child && (!plan.starting || j >= plan.i) {
				return true
			}
		}
	}
	return false
}

func (p *process) childIndex(child *process) int {
	for i, c := range p.children() {
		if c == child {
			return i
		}
	}
	return -1
}
