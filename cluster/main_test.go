package cluster

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a goroutine outlives its tests. goleak
// retries for a while before it reports, which is the wait memberlist's
// listeners need after Shutdown; none is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
