package inspect_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// Mount the handler next to net/http/pprof, on an admin listener, with
// tracking on, and read the task tree of a running service.
func ExampleHandler() {
	stop := inspect.Track()
	defer stop()

	mux := http.NewServeMux()
	mux.Handle("/debug/nurseries", inspect.Handler())

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		started := make(chan struct{})
		n.Go(nursery.Named("indexer", func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return nil
		}))
		<-started
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/debug/nurseries", nil))
		body, _ := io.ReadAll(rec.Body)
		fmt.Print(string(body))
		n.Cancel(nil)
		return nil
	}, nursery.Name("search"))
	// Output:
	// nursery "search"  inspect/example_handler_test.go:23  <1s
	//   body       -                running  <1s    inspect/example_handler_test.go:23
	//   go         indexer          running  <1s    inspect/example_handler_test.go:25
}
