package nursery_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// A server is started with StartValue, which returns once the server has
// bound its listener and handed back the address. The server then runs on
// in the nursery, serving each connection in a task of its own, until
// Cancel ends the nursery.
func ExampleStartValue() {
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		addr, err := nursery.StartValue(n, func(ctx context.Context, ready func(string)) error {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err // Start's caller gets it; the nursery lives on
			}
			defer l.Close()
			stop := context.AfterFunc(ctx, func() { l.Close() })
			defer stop()

			ready(l.Addr().String())

			for {
				conn, err := l.Accept()
				if err != nil {
					if ctx.Err() != nil {
						return nil // the nursery is ending
					}
					return err
				}
				n.Go(func(ctx context.Context) error {
					defer conn.Close()
					stop := context.AfterFunc(ctx, func() { conn.Close() })
					defer stop()
					name, err := bufio.NewReader(conn).ReadString('\n')
					if err != nil {
						return nil // the client hung up
					}
					_, err = fmt.Fprintf(conn, "hello, %s\n", strings.TrimSpace(name))
					return err
				})
			}
		})
		if err != nil {
			return err
		}

		// The listener is bound: the server can be called at once.
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		fmt.Fprintln(conn, "gopher")
		reply, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return err
		}
		fmt.Print(reply)

		n.Cancel(nil) // stop the server; Run waits for it
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// hello, gopher
	// Run: <nil>
}

// Start blocks until the task calls ready; the task then runs on in the
// nursery. A task that fails before it is ready fails Start's call only.
func ExampleNursery_Start() {
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		jobs := make(chan string)
		drained := make(chan struct{})
		err := n.Start(func(ctx context.Context, ready func()) error {
			defer close(drained)
			fmt.Println("worker: warming up")
			ready() // Start returns now
			for job := range jobs {
				fmt.Println("worker:", job)
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Println("body: the worker is ready")
		jobs <- "job 1"
		jobs <- "job 2"
		close(jobs)
		<-drained // the worker has printed its last job

		err = n.Start(func(ctx context.Context, ready func()) error {
			return errors.New("cache: no config")
		})
		fmt.Println("body: start failed:", err)
		return nil // the nursery was not failed by it
	})
	fmt.Println("Run:", err)
	// Output:
	// worker: warming up
	// body: the worker is ready
	// worker: job 1
	// worker: job 2
	// body: start failed: cache: no config
	// Run: <nil>
}

// A metrics flusher runs as a background task: it serves the other tasks,
// flushing on every tick, and has no end of its own. Once the other tasks
// have returned, the nursery cancels it; it flushes once more and returns,
// and that cancellation is not an error.
func ExampleNursery_Background() {
	// tick stands in for a time.Ticker's channel, so that the output is
	// the same on every run; a real flusher would use
	// time.NewTicker(10 * time.Second).C.
	tick := make(chan time.Time)

	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		events := make(chan string)
		n.Background(func(ctx context.Context) error {
			var batch []string
			flush := func(why string) {
				fmt.Printf("flush on %s: %s\n", why, strings.Join(batch, ", "))
				batch = nil
			}
			for {
				select {
				case e := <-events:
					batch = append(batch, e)
				case <-tick:
					flush("tick")
				case <-ctx.Done():
					flush("cancel")
					return ctx.Err()
				}
			}
		})

		// A handler serving requests, each recorded by the flusher.
		n.Go(func(ctx context.Context) error {
			events <- "GET /a"
			events <- "GET /b"
			tick <- time.Time{}
			events <- "GET /c"
			return nil
		})
		return nil // Run waits for the handler, then ends the flusher
	})
	fmt.Println("Run:", err)
	// Output:
	// flush on tick: GET /a, GET /b
	// flush on cancel: GET /c
	// Run: <nil>
}

// Two futures run at once and are awaited in order.
func ExampleSpawn() {
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		user := nursery.Spawn(n, func(ctx context.Context) (string, error) {
			return "gopher", nil // say, a database query
		})
		orders := nursery.Spawn(n, func(ctx context.Context) (int, error) {
			return 3, nil // say, a call to another service
		})

		name, err := user.Await(ctx)
		if err != nil {
			return err
		}
		count, err := orders.Await(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%s has %d orders\n", name, count)
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// gopher has 3 orders
	// Run: <nil>
}

// Await gives up when its own context ends, and the task runs on. A
// future can be awaited again, even after Run has returned.
func ExampleFuture_Await() {
	var report *nursery.Future[string]
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		release := make(chan struct{})
		report = nursery.Spawn(n, func(ctx context.Context) (string, error) {
			<-release // a slow computation
			return "report ready", nil
		})

		impatient, cancel := context.WithCancelCause(ctx)
		cancel(errors.New("no time to wait"))
		_, err := report.Await(impatient)
		fmt.Println("first Await:", err)

		close(release)
		return nil // Run waits for the task
	})
	fmt.Println("Run:", err)

	v, err := report.Await(context.Background())
	fmt.Println("after Run:", v, err)
	// Output:
	// first Await: no time to wait
	// Run: <nil>
	// after Run: report ready <nil>
}

// Done is closed when the task has ended, for use in a select; Await then
// returns at once.
func ExampleFuture_Done() {
	err := nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
		release := make(chan struct{})
		f := nursery.Spawn(n, func(ctx context.Context) (int, error) {
			<-release
			return 42, nil
		})

		select {
		case <-f.Done():
			fmt.Println("done already")
		default:
			fmt.Println("still running")
		}

		close(release)
		<-f.Done()
		v, err := f.Await(ctx)
		fmt.Println("result:", v, err)
		return nil
	})
	fmt.Println("Run:", err)
	// Output:
	// still running
	// result: 42 <nil>
	// Run: <nil>
}
