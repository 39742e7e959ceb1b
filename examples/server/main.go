// Command server is an HTTP service with the lifecycle scoped gives it:
// started with a readiness handshake that hands back the bound address,
// a background metrics flusher, a deadline budget per request that keeps
// time to write an error response, and a two-phase graceful shutdown on
// SIGINT or SIGTERM.
//
//	go run ./examples/server -addr 127.0.0.1:8080
//	curl 'localhost:8080/work?d=300ms'
//	curl 'localhost:8080/debug/nurseries'   # the live task tree
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scoped-go/scoped/cancel"
	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/scoped-go/scoped/timeout"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "the address to listen on")
	grace := flag.Duration("grace", 10*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	flag.Parse()

	// The first SIGINT or SIGTERM ends ctx; a second one kills the process
	// as usual, since NotifyContext's stop runs when main returns.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	stopTrack := inspect.Track() // serve the task tree at /debug/nurseries
	defer stopTrack()
	cfg := config{
		Grace:  *grace,
		Budget: 2 * time.Second,
		Flush:  10 * time.Second,
		Log:    log.New(os.Stderr, "server: ", log.Ltime),
		Ready:  func(a net.Addr) { fmt.Printf("listening on %s\n", a) },
	}
	if err := run(ctx, *addr, cfg); err != nil {
		log.Fatalf("server: %v", err)
	}
}

// config is what run needs besides its context and address.
type config struct {
	Grace  time.Duration       // how long in-flight requests may finish once ctx is done
	Budget time.Duration       // each request's deadline
	Flush  time.Duration       // how often the metrics are flushed
	Log    *log.Logger         // where the service reports
	Ready  func(net.Addr)      // called with the bound address once the service accepts
	onWork func(*http.Request) // a test's hook: a /work request has started
}

// reserve is the part of a request's budget kept for writing an error.
const reserve = 50 * time.Millisecond

// run serves HTTP on addr until ctx is done, then shuts down in two phases:
// it stops accepting at once and lets the requests in flight finish for up
// to cfg.Grace, then cuts off whatever is still running. It returns nil
// after a clean shutdown, and an error if it could not listen or if the
// grace period ran out.
func run(ctx context.Context, addr string, cfg config) error {
	stop, hard, release := cancel.Graceful(ctx, cfg.Grace)
	defer release()

	var m metrics
	// The nursery lives until hard: the requests' contexts derive from it,
	// so the work still running when the grace period ends is canceled.
	return nursery.Run(hard, func(ctx context.Context, n *nursery.Nursery) error {
		n.Background(nursery.Named("metrics-flusher", func(ctx context.Context) error {
			return m.flushEvery(ctx, cfg.Flush, cfg.Log)
		}))

		bound, err := nursery.StartValue(n, func(ctx context.Context, ready func(net.Addr)) error {
			var lc net.ListenConfig
			ln, err := lc.Listen(ctx, "tcp", addr)
			if err != nil {
				return err // before ready: StartValue's caller gets it
			}
			ready(ln.Addr())
			return serve(ctx, stop, ln, handler(&m, cfg))
		})
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		cfg.Log.Printf("listening on %s", bound)
		if cfg.Ready != nil {
			cfg.Ready(bound)
		}
		return nil
	}, nursery.Name("server"))
}

// serve serves h on ln until stop is done, then closes ln and waits for
// the requests in flight until ctx is done.
func serve(ctx, stop context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		n.Go(nursery.Named("shutdown", func(ctx context.Context) error {
			select {
			case <-stop.Done():
			case <-ctx.Done(): // the service failed, or the grace period ran out
			}
			// Shutdown closes the listener at once, then waits for the
			// requests in flight until ctx, the hard deadline, is done.
			if err := srv.Shutdown(ctx); err != nil {
				srv.Close() // cut off the connections still open
				return err  // an echo of ctx: Run reports ctx's cause
			}
			return nil
		}))
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}

// handler routes the service's requests.
func handler(m *metrics, cfg config) http.Handler {
	mux := http.NewServeMux()
	logged := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cfg.Log.Printf("%s %s", r.Method, r.URL.RequestURI())
			next.ServeHTTP(w, r)
		})
	}
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		fmt.Fprintln(w, "hello")
	})
	mux.HandleFunc("GET /work", func(w http.ResponseWriter, r *http.Request) {
		m.requests.Add(1)
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			http.Error(w, "d: want a duration such as 300ms", http.StatusBadRequest)
			return
		}
		if cfg.onWork != nil {
			cfg.onWork(r)
		}
		ctx, cancelReq := context.WithTimeout(r.Context(), cfg.Budget)
		defer cancelReq()
		// Keep the last part of the budget for writing the response.
		work, cancelWork := timeout.Reserve(ctx, reserve)
		defer cancelWork()

		parts, err := taskgroup.All(work,
			backend("users", d), backend("orders", d), backend("stock", d))
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			// The work ran out of its budget; ctx still has the reserve.
			m.timeouts.Add(1)
			http.Error(w, "the backends took too long", http.StatusGatewayTimeout)
		case err != nil:
			m.failures.Add(1)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		default:
			fmt.Fprintln(w, parts[0], parts[1], parts[2])
		}
	})
	// The tree shows task names, sites and cancellation causes: a real
	// service serves it on an admin listener, as it does net/http/pprof.
	mux.Handle("GET /debug/nurseries", inspect.Handler())
	return logged(mux)
}

// backend is a simulated backend call that answers after d.
func backend(name string, d time.Duration) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		select {
		case <-time.After(d):
			return name + ":ok", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// metrics counts what the service did.
type metrics struct {
	requests, timeouts, failures atomic.Int64
}

func (m *metrics) flush(w *log.Logger) {
	w.Printf("metrics: requests=%d timeouts=%d failures=%d",
		m.requests.Load(), m.timeouts.Load(), m.failures.Load())
}

// flushEvery flushes the metrics every d, and once more when ctx ends,
// which for a background task means that the service has stopped.
func (m *metrics) flushEvery(ctx context.Context, d time.Duration, w *log.Logger) error {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			m.flush(w)
		case <-ctx.Done():
			m.flush(w)
			return ctx.Err() // the nursery drops a background task's echo
		}
	}
}
