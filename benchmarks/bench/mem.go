package bench

import (
	"bufio"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const heapMetric = "/memory/classes/heap/objects:bytes"

// A HeapSampler reads the heap in use by objects every millisecond, on a
// goroutine of its own, and keeps the peak.
type HeapSampler struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
}

// StartHeapSampler starts sampling.
func StartHeapSampler() *HeapSampler {
	h := &HeapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go h.run()
	return h
}

func (h *HeapSampler) run() {
	defer close(h.done)
	sample := []metrics.Sample{{Name: heapMetric}}
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(sample)
		h.peak = max(h.peak, sample[0].Value.Uint64())
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
	}
}

// Stop ends sampling and returns the peak in bytes.
func (h *HeapSampler) Stop() uint64 {
	close(h.stop)
	<-h.done
	return h.peak
}

// PeakRSS is the process's resident high-water mark (VmHWM), or 0 where
// /proc is not there.
func PeakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// InUse is heap in use by objects plus goroutine stacks, after two
// collections: what live values and goroutines hold.
func InUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// Settle lets background work end (idle timers, goroutines that park
// themselves) before InUse is read.
func Settle() { time.Sleep(200 * time.Millisecond) }

// InFlight samples, every 100 µs while running, how many messages have
// been sent and not yet handled, from per-sender counters and the
// receiver's published count.
type InFlight struct {
	sent    []paddedCount
	handled func() int64
	stop    chan struct{}
	wg      sync.WaitGroup
	maxSeen int64
}

type paddedCount struct {
	n atomic.Int64
	_ [56]byte
}

// NewInFlight meters senders senders against handled.
func NewInFlight(senders int, handled func() int64) *InFlight {
	f := &InFlight{sent: make([]paddedCount, senders), handled: handled, stop: make(chan struct{})}
	f.wg.Add(1)
	go f.run()
	return f
}

// Sent records that sender's send returned. Each sender has a cache line
// of its own, so the senders do not contend on the meter.
func (f *InFlight) Sent(sender int) { f.sent[sender].n.Add(1) }

func (f *InFlight) run() {
	defer f.wg.Done()
	t := time.NewTicker(100 * time.Microsecond)
	defer t.Stop()
	for {
		var sent int64
		for i := range f.sent {
			sent += f.sent[i].n.Load()
		}
		f.maxSeen = max(f.maxSeen, sent-f.handled())
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
	}
}

// Stop ends the meter and returns the most messages seen in flight.
func (f *InFlight) Stop() int64 {
	close(f.stop)
	f.wg.Wait()
	return f.maxSeen
}
