package nursery_test

import (
	"os"
	"testing"

	"github.com/scoped-go/scoped/nursery/inspect"
	"go.uber.org/goleak"
)

// TestMain runs the tests, and with SCOPED_TRACK=1 in the environment runs
// them all with an inspect tracker added: the tracked mode, in which every
// nursery reports to an instrument and every guarantee must still hold.
func TestMain(m *testing.M) {
	if v := os.Getenv("SCOPED_TRACK"); v != "" && v != "0" {
		inspect.Track()
	}
	goleak.VerifyTestMain(m)
}
