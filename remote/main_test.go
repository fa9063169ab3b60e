package remote_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperNodeEnv) != "" {
		runHelperNode() // a node for a test to kill; it never returns
	}
	goleak.VerifyTestMain(m)
}
