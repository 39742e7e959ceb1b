package nursery_test

import (
	"os"
	"testing"

	"github.com/scoped-go/scoped/nursery"
)

// TestLimitModeIsAsConfigured fails if a test has left the limit mode
// changed: with SCOPED_LIMIT_MODE set, the package's tests after it would
// have run in the other mode. This file's name keeps its test after every
// other test of the package.
func TestLimitModeIsAsConfigured(t *testing.T) {
	if got := nursery.HandoffMax(); got != handoffMaxAtStart {
		t.Errorf("largest handoff limit = %d after the package's other tests, want %d (SCOPED_LIMIT_MODE=%q)", got, handoffMaxAtStart, os.Getenv("SCOPED_LIMIT_MODE"))
	}
	if v := os.Getenv("SCOPED_LIMIT_MODE"); v != "" && handoffMaxAtStart != limitModes[v] {
		t.Errorf("largest handoff limit = %d at the start, want %d for SCOPED_LIMIT_MODE=%q", handoffMaxAtStart, limitModes[v], v)
	}
}
