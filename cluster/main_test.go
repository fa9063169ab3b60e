package cluster

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests. goleak
// retries for a while before it reports, which is the wait memberlist's
// last timers need after Shutdown; none is ignored. Run with
// TROUPE_CLUSTER_CHILD set, the test binary is instead a member process
// that a test drives (see child_test.go).
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	goleak.VerifyTestMain(m)
}
