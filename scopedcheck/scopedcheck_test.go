package scopedcheck_test

import (
	"testing"

	"github.com/scoped-go/scoped/scopedcheck"
	"golang.org/x/tools/go/analysis/analysistest"
)

// The test data is a GOPATH tree: testdata/src holds, next to the cases,
// small stand-ins for errgroup, taskgroup, nursery and conc under their
// real import paths, so that the analyzers see the types they know by
// package path and name, and the tests need no network.

func TestGroupCtx(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), scopedcheck.GroupCtx, "groupctx")
}

func TestGoAfterWait(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), scopedcheck.GoAfterWait, "goafterwait")
}

func TestLostWait(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), scopedcheck.LostWait, "lostwait")
}

func TestNurseryEscape(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), scopedcheck.NurseryEscape, "nurseryescape")
}

func TestBareGo(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), scopedcheck.BareGo, "barego/strict", "barego/leak")
}

func TestMigrate(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), scopedcheck.Migrate, "migrate/plain", "migrate/named", "migrate/taken")
}

func TestMigrateWaitGroup(t *testing.T) {
	if err := scopedcheck.Migrate.Flags.Set("waitgroup", "true"); err != nil {
		t.Fatal(err)
	}
	defer scopedcheck.Migrate.Flags.Set("waitgroup", "false")
	analysistest.Run(t, analysistest.TestData(), scopedcheck.Migrate, "migrate/waitgroup")
}
