package inspect_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// A test, or a debug endpoint, prints the tree of the nurseries still open:
// each scope, and each task with its kind, name, state, age and the line
// that started it. (The output names lines of this file: moving the calls
// below changes it.)
func ExampleWriteTree() {
	stop := inspect.Track()
	defer stop()

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		started := make(chan struct{})
		n.Go(nursery.Named("consumer", func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			return nil
		}))
		<-started
		inspect.WriteTree(os.Stdout)
		n.Cancel(nil)
		return nil
	}, nursery.Name("queue"))
	// Output:
	// nursery "queue"  inspect/example_test.go:24  <1s
	//   body       -                running  <1s    inspect/example_test.go:24
	//   go         consumer         running  <1s    inspect/example_test.go:26
}

// Snapshot gives the same tree as data, to check in a test or to serve as
// JSON.
func ExampleSnapshot() {
	stop := inspect.Track()
	defer stop()

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		var started sync.WaitGroup
		gate := make(chan struct{})
		for _, name := range []string{"first", "second"} {
			started.Add(1)
			n.Go(nursery.Named(name, func(ctx context.Context) error {
				started.Done()
				<-gate
				return nil
			}))
		}
		started.Wait() // a task's name shows once it has started
		var scopes []inspect.Scope = inspect.Snapshot()
		for _, s := range scopes {
			for _, t := range s.Tasks {
				var task inspect.Task = t
				fmt.Printf("%s %s: %s\n", task.Kind, task.Name, task.State)
			}
		}
		close(gate)
		return nil
	})
	// Output:
	// body : running
	// go first: running
	// go second: running
}

// Tracking is off until Track turns it on, and on until the returned stop
// is called. Nurseries opened while it is off are not recorded.
func ExampleTrack() {
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		fmt.Println("scopes seen, tracking off:", len(inspect.Snapshot()))
		return nil
	})
	stop := inspect.Track()
	defer stop()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		fmt.Println("scopes seen, tracking on:", len(inspect.Snapshot()))
		return nil
	})
	// Output:
	// scopes seen, tracking off: 0
	// scopes seen, tracking on: 1
}

// A service logs the tasks that keep running a grace period after their
// nursery was canceled: they ignore their context, and would keep a
// shutdown waiting.
func ExampleOnStall() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	}))
	logged := make(chan struct{})
	stop := inspect.OnStall(50*time.Millisecond, func(s inspect.Stall) {
		file, _, _ := strings.Cut(s.Site, ":") // the line is in s.Site too
		logger.Warn("task ignores cancellation", "scope", s.Scope, "task", s.Task, "file", file)
		close(logged)
	})
	defer stop()

	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("legacy-poller", func(ctx context.Context) error {
			<-ctx.Done()
			<-logged // finishes its poll regardless: here, once it has been reported
			return nil
		}))
		n.Cancel(nil)
		return nil
	}, nursery.Name("ingest"))
	// Output:
	// level=WARN msg="task ignores cancellation" scope=ingest task=legacy-poller file=inspect/example_test.go
}
