// Package tune holds the scheduling constants that the mailbox and the
// actor runtime share, so that a consumer that spins and an actor that goes
// idle agree on how long to look for more work before they sleep, and on
// when an idle one gives its storage back.
package tune
