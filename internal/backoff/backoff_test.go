package backoff_test

import (
	"math"
	"testing"
	"time"

	"github.com/troupe-go/troupe/internal/backoff"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const ms = time.Millisecond

func noJitter() float64 { return 0 }

func delays(p backoff.Policy, n int) []time.Duration {
	var got []time.Duration
	for i := 1; i <= n; i++ {
		got = append(got, p.Delay(i))
	}
	return got
}

func TestGrowth(t *testing.T) {
	tests := []struct {
		name     string
		min, max time.Duration
		want     []time.Duration
	}{
		{"doubling to the cap", 10 * ms, 100 * ms, []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 100 * ms, 100 * ms}},
		{"cap between doublings", 30 * ms, 100 * ms, []time.Duration{30 * ms, 60 * ms, 100 * ms, 100 * ms}},
		{"min equals max", 50 * ms, 50 * ms, []time.Duration{50 * ms, 50 * ms, 50 * ms}},
		{"max under min: min", 50 * ms, 10 * ms, []time.Duration{50 * ms, 50 * ms}},
		{"off", 0, 0, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := delays(backoff.Policy{Min: tt.min, Max: tt.max, Rand: noJitter}, len(tt.want))
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("failure %d: delay %v, want %v (all: %v)", i+1, got[i], tt.want[i], got)
				}
			}
		})
	}
	p := backoff.Policy{Min: 10 * ms, Max: time.Second, Rand: noJitter}
	if d := p.Delay(0); d != 0 {
		t.Errorf("Delay(0) = %v, want 0", d)
	}
	if d := p.Delay(-5); d != 0 {
		t.Errorf("Delay(-5) = %v, want 0", d)
	}
}

func TestJitter(t *testing.T) {
	nominal := []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 80 * ms}
	tests := []struct {
		name string
		r    float64
		want func(d time.Duration) time.Duration
	}{
		{"r=0 keeps the nominal delay", 0, func(d time.Duration) time.Duration { return d }},
		{"r=0.5 takes a quarter", 0.5, func(d time.Duration) time.Duration { return d - d/4 }},
		{"r=0.999 takes just under half", 0.999, func(d time.Duration) time.Duration { return d - time.Duration(0.999*float64(d/2)) }},
		{"r<0 is clamped to 0", -3, func(d time.Duration) time.Duration { return d }},
		{"r>=1 is clamped to 1", 7, func(d time.Duration) time.Duration { return d - d/2 }},
		{"NaN is taken as 0", math.NaN(), func(d time.Duration) time.Duration { return d }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := delays(backoff.Policy{Min: 10 * ms, Max: 80 * ms, Rand: func() float64 { return tt.r }}, len(nominal))
			for i, d := range nominal {
				if want := tt.want(d); got[i] != want {
					t.Errorf("failure %d: delay %v, want %v", i+1, got[i], want)
				}
			}
		})
	}
	// The default source stays within [d/2, d].
	p := backoff.Policy{Min: 10 * ms, Max: 80 * ms}
	for range 1000 {
		for i, d := range nominal {
			if got := p.Delay(i + 1); got > d || got < d/2 {
				t.Fatalf("failure %d: delay %v outside [%v, %v]", i+1, got, d/2, d)
			}
		}
	}
}

// Huge ranges and long runs neither overflow nor go down.
func TestNoOverflow(t *testing.T) {
	for _, tt := range []struct{ min, max time.Duration }{
		{1, math.MaxInt64},
		{time.Hour, math.MaxInt64},
		{math.MaxInt64 / 3, math.MaxInt64 - 1},
	} {
		p := backoff.Policy{Min: tt.min, Max: tt.max, Rand: noJitter}
		var prev time.Duration
		for n := 1; n <= 200; n++ {
			d := p.Delay(n)
			if d < prev || d > tt.max {
				t.Fatalf("%v..%v failure %d: delay %v after %v", tt.min, tt.max, n, d, prev)
			}
			prev = d
		}
		if prev != tt.max {
			t.Errorf("%v..%v: delay settled at %v, want %v", tt.min, tt.max, prev, tt.max)
		}
		if d := p.Delay(math.MaxInt); d != tt.max {
			t.Errorf("%v..%v: Delay(MaxInt) = %v", tt.min, tt.max, d)
		}
	}
}
