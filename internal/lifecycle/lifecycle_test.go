package lifecycle_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/internal/lifecycle"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitForced is a shutdown that waits until the stop is forced and says
// when that was.
func waitForced(l *lifecycle.Lifecycle, at *time.Duration) func() error {
	start := time.Now()
	return func() error {
		<-l.Forced()
		*at = time.Since(start)
		return nil
	}
}

// A graceful stop lasts until the first of ctx and grace.
func TestStopGraceEndsAtContextOrTimeout(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ctx, grace time.Duration
		want       time.Duration
	}{
		{"ctx first", time.Second, 5 * time.Second, time.Second},
		{"grace first", 5 * time.Second, 2 * time.Second, 2 * time.Second},
		{"no grace", time.Minute, 0, 0},
		{"grace unlimited", 3 * time.Second, -1, 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := lifecycle.New()
				ctx, cancel := context.WithTimeout(context.Background(), tc.ctx)
				defer cancel()
				var at time.Duration
				if err := l.Stop(ctx, tc.grace, waitForced(l, &at)); err != nil {
					t.Fatal(err)
				}
				if at != tc.want {
					t.Errorf("forced after %v, want %v", at, tc.want)
				}
				if l.Closed() {
					t.Error("Closed after a Stop")
				}
				select {
				case <-l.Done():
				default:
					t.Error("Done open after Stop returned")
				}
			})
		})
	}
}

// The shutdown runs once; later and concurrent stops wait for it and
// return nil, or their own ctx's error.
func TestStopRunsOnceOthersWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := lifecycle.New()
		var runs atomic.Int32
		release := make(chan struct{})
		boom := errors.New("boom")
		shutdown := func() error {
			runs.Add(1)
			<-release
			return boom
		}
		first := make(chan error)
		go func() { first <- l.Stop(context.Background(), -1, shutdown) }()
		synctest.Wait()
		if !l.Stopping() {
			t.Fatal("not Stopping while the shutdown runs")
		}
		select {
		case <-l.Quit():
		default:
			t.Fatal("Quit open while stopping")
		}

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := l.Stop(ctx, -1, shutdown); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a waiting Stop whose ctx ends = %v", err)
		}
		second := make(chan error)
		go func() { second <- l.Stop(context.Background(), -1, shutdown) }()
		synctest.Wait()
		close(release)
		if err := <-first; !errors.Is(err, boom) {
			t.Fatalf("first Stop = %v, want the shutdown's error", err)
		}
		if err := <-second; err != nil {
			t.Fatalf("second Stop = %v, want nil", err)
		}
		if first, err := l.Close(shutdown); !first || err != nil {
			t.Fatalf("Close after the stop = %v, %v; want first, nil", first, err)
		}
		if first, _ := l.Close(shutdown); first {
			t.Fatal("a second Close says it is the first")
		}
		if n := runs.Load(); n != 1 {
			t.Fatalf("shutdown ran %d times", n)
		}
	})
}

// Close cuts a running stop's grace period at once.
func TestCloseCutsGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := lifecycle.New()
		var at time.Duration
		stopped := make(chan error)
		go func() { stopped <- l.Stop(context.Background(), time.Hour, waitForced(l, &at)) }()
		time.Sleep(time.Second)
		if first, err := l.Close(nil); !first || err != nil { // nil: a shutdown runs already
			t.Fatalf("Close = %v, %v", first, err)
		}
		<-stopped
		if at != time.Second || !l.Closed() {
			t.Fatalf("forced after %v, Closed %v; want 1s, true", at, l.Closed())
		}
	})
}

// A shutdown that panics leaves the stop to the next Stop or Close.
func TestPanicLeavesStopForTheNext(t *testing.T) {
	l := lifecycle.New()
	calls := 0
	shutdown := func() error {
		calls++
		if calls == 1 {
			panic("half-way")
		}
		return nil
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not reach the caller")
			}
		}()
		l.Stop(context.Background(), -1, shutdown)
	}()
	select {
	case <-l.Done():
		t.Fatal("Done closed after a failed shutdown")
	default:
	}
	if _, err := l.Close(shutdown); err != nil || calls != 2 {
		t.Fatalf("Close = %v after %d calls", err, calls)
	}
	<-l.Done()
}

// StopOn stops when its channel closes, once, and leaves no goroutine
// behind whether or not it fires.
func TestStopOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := lifecycle.New()
		ev, never := make(chan struct{}), make(chan struct{})
		var stops atomic.Int32
		stop := func() {
			stops.Add(1)
			l.Stop(context.Background(), -1, func() error { return nil })
		}
		l.StopOn(ev, stop)
		l.StopOn(ev, stop)
		l.StopOn(never, stop)
		if l.Triggered() {
			t.Fatal("Triggered before any channel closed")
		}
		close(ev)
		if !l.Triggered() {
			t.Fatal("not Triggered after a channel closed")
		}
		<-l.Done()
		synctest.Wait() // every watcher has returned: the bubble would not end otherwise
		if n := stops.Load(); n < 1 || n > 2 {
			t.Fatalf("stop called %d times", n)
		}
		l.StopOn(never, stop) // after the stop: nothing
		synctest.Wait()
	})
}
