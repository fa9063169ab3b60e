package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var balanceLine = regexp.MustCompile(`^  (\w+) +on (\S+): balance (\d+) \(asked from (\S+)\)$`)

// TestRun: every deposit lands on one activation per account, the graceful
// leave and the close lose no balance, and each account ends at 22.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out strings.Builder
	if err := run(ctx, &out); err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	for _, line := range strings.Split(out.String(), "\n") {
		if m := balanceLine.FindStringSubmatch(line); m != nil {
			last[m[1]] = m[3]
		}
	}
	if len(last) != 6 {
		t.Fatalf("%d accounts in the output:\n%s", len(last), out.String())
	}
	for name, b := range last {
		if b != "22" {
			t.Errorf("%s ends at %s, want 22:\n%s", name, b, out.String())
		}
	}
}
