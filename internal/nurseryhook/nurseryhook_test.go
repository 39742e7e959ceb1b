package nurseryhook_test

import (
	"testing"

	"github.com/scoped-go/scoped/internal/nurseryhook"
	_ "github.com/scoped-go/scoped/nursery" // sets the hooks
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The hooks are set once package nursery is initialized; their behavior is
// tested in package nursery (indexed_test.go) and through taskgroup.
func TestHooksSet(t *testing.T) {
	if nurseryhook.GoIndexed == nil {
		t.Error("nurseryhook.GoIndexed is nil after package nursery was initialized")
	}
}
