package actortest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// fakeTB records what the code under test reports, so that a test can
// check the failure messages themselves. Fatalf records and returns: the
// code must cope. Cleanups run when the test calls cleanup, or at its end.
type fakeTB struct {
	testing.TB // the real test, for what is not overridden

	mu       sync.Mutex
	failures []string
	logs     []string
	cleanups []func()
}

func newFakeTB(t *testing.T) *fakeTB {
	f := &fakeTB{TB: t}
	t.Cleanup(f.cleanup)
	return f
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) { f.fail(format, args...) }
func (f *fakeTB) Errorf(format string, args ...any) { f.fail(format, args...) }

func (f *fakeTB) fail(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.failures) > 0
}

func (f *fakeTB) Cleanup(fn func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cleanups = append(f.cleanups, fn)
}

// cleanup runs the registered cleanups, last first, once.
func (f *fakeTB) cleanup() {
	for {
		f.mu.Lock()
		n := len(f.cleanups)
		if n == 0 {
			f.mu.Unlock()
			return
		}
		fn := f.cleanups[n-1]
		f.cleanups = f.cleanups[:n-1]
		f.mu.Unlock()
		fn()
	}
}

// take returns the failures recorded so far and forgets them.
func (f *fakeTB) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := f.failures
	f.failures = nil
	return got
}

// expectFailure checks that exactly one failure was recorded since the
// last take, and that it contains every part of want.
func (f *fakeTB) expectFailure(t *testing.T, want ...string) {
	t.Helper()
	got := f.take()
	if len(got) != 1 {
		t.Fatalf("%d failures %q, want 1 containing %q", len(got), got, want)
	}
	for _, w := range want {
		if !strings.Contains(got[0], w) {
			t.Fatalf("failure %q\ndoes not contain %q", got[0], w)
		}
	}
}

// expectNoFailure checks that nothing was recorded since the last take.
func (f *fakeTB) expectNoFailure(t *testing.T) {
	t.Helper()
	if got := f.take(); len(got) > 0 {
		t.Fatalf("failures %q, want none", got)
	}
}
