package taken

import (
	"golang.org/x/sync/errgroup" // want `errgroup can be replaced by github.com/scoped-go/scoped/taskgroup`
)

// taskgroup is taken in this package: the fix keeps the name errgroup.
var taskgroup = "batch"

func run() error {
	var g errgroup.Group
	g.Go(func() error { return nil })
	return g.Wait()
}
