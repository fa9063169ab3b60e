// Package actortest helps test actors: a probe that a test reads, a test
// System that fails the test on what a test should not let pass, an
// in-process network of nodes with faults, and a TCP proxy that injects the
// same faults into real connections.
//
// A Probe is an actor whose messages the test takes in order, with
// expectations that fail the test saying what arrived instead:
//
//	sys := actortest.NewSystem(t)
//	probe := actortest.NewProbe(t, sys)
//	sys.Send(counter, Add{N: 2, ReplyTo: probe.PID()})
//	probe.ExpectMsg(Total{N: 2})
//	probe.Watch(counter)
//	sys.Stop(counter)
//	probe.ExpectTerminated(counter)
//
// Every wait is bounded by Probe.Timeout and reads the clock, so under
// testing/synctest it takes no real time: a test of timers or timeouts
// sleeps through hours in microseconds, and ExpectNoMsg returns as soon as
// nothing else can happen.
//
// A System fails the test when a failure escapes supervision, on dead
// letters once FailOnDeadLetters is called, and when actors are still
// running after the cleanup's shutdown (or before it, once
// FailOnLeftovers is called). It keeps the runtime's log and
// shows it when the test fails.
//
// The package's example_test.go has whole tests (TestCounter, TestTicker);
// docs/guide/testing.md tells the rest.
package actortest
