package inspect_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/trace"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// Logger logs a task's failure as one record, with the scope, the task,
// its kind, the line that started it and how long it ran. (The time and
// the duration are left out here to keep the output stable.)
func ExampleLogger() {
	l := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{}
			}
			return a
		},
	}))
	defer nursery.AddInstrument(inspect.Logger(l))()

	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("charge", func(ctx context.Context) error {
			return errors.New("card declined")
		}))
		n.Go(nursery.Named("email", func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err() // an echo of the cancellation: not an error
		}))
		return nil
	}, nursery.Name("checkout"))
	fmt.Println("Run:", err)
	// Output:
	// level=ERROR msg="nursery: task failed" scope=checkout task=charge kind=go site=inspect/example_instruments_test.go:31 err="card declined"
	// Run: card declined
}

// RuntimeTrace makes each scope a trace task and each task a region, so
// that go tool trace shows them by name.
func ExampleRuntimeTrace() {
	defer nursery.AddInstrument(inspect.RuntimeTrace())()

	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		fmt.Println(err) // a trace is already being recorded
		return
	}
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("resize", func(ctx context.Context) error { return nil }))
		return nil
	}, nursery.Name("thumbnails"))
	trace.Stop()
	fmt.Println("trace recorded:", buf.Len() > 0)
	// Output:
	// trace recorded: true
}
