// Package testkit holds the test helpers that the stream server's tests
// and the node's tests share: a bounded wait on a channel, an in-memory
// listener for testing/synctest, a log buffer safe for many goroutines and
// a self-signed certificate. It is imported by tests, and by package
// actortest, whose in-process network listens on its PipeListener.
package testkit
