package cluster_test

import (
	"testing"

	"github.com/troupe-go/troupe/internal/apicheck"
)

// TestExportedAPI: every exported name has a doc comment, and no exported
// signature shows an unexported type.
func TestExportedAPI(t *testing.T) {
	apicheck.Check(t, ".", "github.com/troupe-go/troupe/cluster")
}
