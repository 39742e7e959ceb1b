package named

import (
	"golang.org/x/sync/errgroup" //scoped:allow errgroup: the benchmark compares against it
)

func compare() error {
	var g errgroup.Group
	return g.Wait()
}
