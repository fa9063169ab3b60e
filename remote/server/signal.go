package server

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// SetOnSignal sets ev when the process receives one of sigs (os.Interrupt
// and syscall.SIGTERM if none are named). The signal does not end the
// process: whatever waits on ev, such as a server's StopOn, decides what
// happens next.
//
// The registration lasts until the first such signal, until ev is set by
// other means, or until the returned function is called, whichever comes
// first; after that the signals get Go's default behaviour again, so a
// second Ctrl-C ends a program whose shutdown hangs. The returned function
// unregisters and waits for the goroutine SetOnSignal started to end; it
// may be called any number of times. It panics if ev is nil.
func SetOnSignal(ev *Event, sigs ...os.Signal) (stop func()) {
	if ev == nil {
		panic("server: SetOnSignal with a nil event")
	}
	if len(sigs) == 0 {
		// signal.Notify with no signals would relay every signal,
		// including the runtime's own SIGURG.
		sigs = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, sigs...)

	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer signal.Stop(caught)
		select {
		case <-caught:
			ev.Set()
		case <-ev.Done():
		case <-quit:
		}
	}()

	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
