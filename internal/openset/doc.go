// Package openset is a set of comparable values kept in one slice and
// found by linear probing: a slot is all an entry costs. The actor
// registry and the cluster's grain table and sender cache keep many small
// entries in it, where a Go map's entry costs its slot, a control byte and
// the room kept for growth over a larger slot. Callers lock, hash and
// compare; the set only places.
package openset
