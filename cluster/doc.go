// Package cluster joins the nodes of a troupe network into one cluster:
// membership and failure detection come from hashicorp/memberlist (SWIM,
// as in Consul and Nomad), and virtual actors, grains, live on the member
// that rendezvous hashing picks for their identity.
//
// A grain is named by an ID, {Kind, Name}. Send, Request or Get activate it
// on its owner on first use, through the node's remote spawn, and it
// passivates after Config.IdleAfter without messages. Any member computes
// any identity's owner from its own view of the members that host the
// kind: there is no registry to replicate or lose and no leader to wait
// for. When the owner changes (a member joins, leaves or dies), the old
// owner stops the grains it no longer owns (their Stopping runs: save
// state there) and the new owner activates them on their next message.
//
// A message sent during a handoff is delivered once, refused with a
// retryable error that Send and Request retry until their context ends,
// or becomes a dead letter with a reason: it is never lost unseen. Single
// activation holds whenever the members' views agree; under a partition
// both sides may activate an identity, and when it heals the copy on the
// member that does not own it stops.
//
// Membership changes are published on the System as MemberEvents (see
// actor.System.Subscribe); Stats feeds metrics.ObserveCluster. The Example
// shows two members and one grain; docs/guide/cluster.md says more.
package cluster
