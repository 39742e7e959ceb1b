package nursery_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/scoped-go/scoped/nursery"
)

// A task that calls runtime.Goexit, as t.FailNow does in a test, fails the
// nursery: the other tasks see ErrGoexit as the cause, a future of it
// reports ErrGoexit, and Run then exits its caller's goroutine too, as a
// sequential call would have.
func ExampleErrGoexit() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			f := nursery.Spawn(n, func(ctx context.Context) (int, error) {
				runtime.Goexit()
				return 0, nil
			})
			_, err := f.Await(ctx)
			fmt.Println("future:", errors.Is(err, nursery.ErrGoexit))
			<-ctx.Done()
			fmt.Println("cause:", context.Cause(ctx) == nursery.ErrGoexit)
			return nil
		})
		fmt.Println("not reached: Run exited this goroutine")
	}()
	<-done
	fmt.Println("the goroutine that called Run has exited")
	// Output:
	// future: true
	// cause: true
	// the goroutine that called Run has exited
}

// Options can be built ahead and shared between calls of Run.
func ExampleOption() {
	crawl := []nursery.Option{nursery.Name("crawler"), nursery.Limit(4), nursery.Grace(2 * nursery.DefaultGrace)}
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		for i := range 8 {
			n.Go(func(ctx context.Context) error {
				_ = i // fetch page i, at most 4 at a time
				return nil
			})
		}
		return nil
	}, crawl...)
	fmt.Println("err:", err, "default grace:", nursery.DefaultGrace)
	// Output:
	// err: <nil> default grace: 10s
}

// A PanicError prints the panic value and the stack of the task that
// panicked, and unwraps to the value when it is an error.
func ExamplePanicError_Unwrap() {
	defer func() {
		pe := recover().(*nursery.PanicError)
		fmt.Println(strings.SplitN(pe.Error(), "\n", 2)[0])
		fmt.Println("has the task's stack:", strings.Contains(pe.Error(), "goroutine "))
		fmt.Println("unwraps:", pe.Unwrap() == io.ErrUnexpectedEOF, errors.Is(pe, io.ErrUnexpectedEOF))
	}()
	_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(func(ctx context.Context) error {
			panic(io.ErrUnexpectedEOF)
		})
		return nil
	})
	// Output:
	// nursery: task panicked: unexpected EOF
	// has the task's stack: true
	// unwraps: true true
}

// A task wrapped by Named runs under the pprof label "task", so a
// goroutine profile groups goroutines by task, and a tracked nursery shows
// its name.
func ExampleNamed() {
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("resize-images", func(ctx context.Context) error {
			fmt.Println("resizing")
			return nil
		}))
		return nil
	}, nursery.Name("uploads"))
	fmt.Println("err:", err)
	// Output:
	// resizing
	// err: <nil>
}
