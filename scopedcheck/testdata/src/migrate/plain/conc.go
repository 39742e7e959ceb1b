package plain

import "github.com/sourcegraph/conc" // want `github.com/sourcegraph/conc: conc's WaitGroup and pools map onto nursery.Run and taskgroup \(Map, ForEach, Group\), which also return every error and re-raise panics in the caller`

func concWait() {
	var wg conc.WaitGroup
	wg.Go(func() {})
	wg.Wait()
}
