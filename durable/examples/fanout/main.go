// Command fanout maps a durable activity over many items across several
// worker processes, with durable.Map and a limit.
//
// It starts an in-process Temporal server unless TEMPORAL_ADDRESS names
// one, starts -workers worker processes (this same program, run with
// -worker) polling one task queue, runs the FanOut workflow, and prints
// which worker ran how many activities. The same code scales by starting
// workers on more machines against the same server.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"
)

func main() {
	var (
		workers   = flag.Int("workers", 3, "worker processes to start")
		items     = flag.Int("items", 200, "activities to map")
		limit     = flag.Int("limit", 20, "activities running at once, at most")
		failAt    = flag.Int("fail", -1, "the item whose activity fails (-1: none)")
		cost      = flag.Duration("cost", 50*time.Millisecond, "how long one activity works")
		queue     = flag.String("queue", "fanout", "the task queue")
		asWorker  = flag.String("worker", "", "run as the worker of this name (used by the program itself)")
		namespace = os.Getenv("TEMPORAL_NAMESPACE")
		address   = os.Getenv("TEMPORAL_ADDRESS")
	)
	flag.Parse()
	log.SetFlags(0)
	if namespace == "" {
		namespace = "default"
	}
	if *asWorker != "" {
		if err := runWorker(address, namespace, *queue, &Worker{Name: *asWorker, Cost: *cost}); err != nil {
			log.Fatalf("%s: %v", *asWorker, err)
		}
		return
	}
	if address == "" {
		srv := temporaltest.NewServer()
		defer srv.Stop()
		address, namespace = srv.GetFrontendHostPort(), srv.GetDefaultNamespace()
		fmt.Printf("started an in-process Temporal server at %s\n", address)
	}
	if err := run(address, namespace, *queue, *workers, *cost, Params{Items: *items, Limit: *limit, FailAt: *failAt}); err != nil {
		log.Fatal(err)
	}
}

// run starts the worker processes, runs FanOut and prints who did what.
// The workers are stopped, and waited for, before it returns.
func run(address, namespace, queue string, workers int, cost time.Duration, p Params) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var procs []*exec.Cmd
	var stops []io.Closer
	defer func() {
		// Closing a worker's stdin tells it to stop.
		for _, s := range stops {
			s.Close()
		}
		for _, c := range procs {
			if err := c.Wait(); err != nil {
				log.Printf("%s: %v", c.Args[2], err)
			}
		}
	}()
	for i := range workers {
		name := fmt.Sprintf("worker-%d", i+1)
		c := exec.Command(self, "-worker", name, "-queue", queue, "-cost", cost.String())
		c.Env = append(os.Environ(), "TEMPORAL_ADDRESS="+address, "TEMPORAL_NAMESPACE="+namespace)
		c.Stdout, c.Stderr = os.Stdout, os.Stderr
		stdin, err := c.StdinPipe()
		if err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			return err
		}
		procs, stops = append(procs, c), append(stops, stdin)
	}

	cl, err := client.Dial(client.Options{HostPort: address, Namespace: namespace, Logger: quiet()})
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx := context.Background()
	start := time.Now()
	wr, err := cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: queue}, FanOut, p)
	if err != nil {
		return err
	}
	var done []Done
	err = wr.Get(ctx, &done)
	fmt.Printf("FanOut over %d items, at most %d at once, on %d workers: %v\n", p.Items, p.Limit, workers, time.Since(start).Round(time.Millisecond))
	if err != nil {
		fmt.Printf("the workflow failed, its other activities canceled and awaited: %v\n", err)
		return nil
	}
	count := map[string]int{}
	for _, d := range done {
		count[d.Worker]++
	}
	names := make([]string, 0, len(count))
	for name := range count {
		names = append(names, name)
	}
	slices.SortFunc(names, cmp.Compare)
	for _, name := range names {
		fmt.Printf("%s ran %d activities\n", name, count[name])
	}
	return nil
}

// runWorker runs a worker for the FanOut workflow and w's activities until
// its stdin closes or it gets SIGINT or SIGTERM.
func runWorker(address, namespace, queue string, w *Worker) error {
	if address == "" {
		return errors.New("TEMPORAL_ADDRESS is not set")
	}
	cl, err := client.Dial(client.Options{HostPort: address, Namespace: namespace, Identity: w.Name, Logger: quiet()})
	if err != nil {
		return err
	}
	defer cl.Close()
	wk := worker.New(cl, queue, worker.Options{})
	wk.RegisterWorkflow(FanOut)
	wk.RegisterActivity(w)
	if err := wk.Start(); err != nil {
		return err
	}
	defer wk.Stop()
	stop := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // returns when the parent closes the pipe
		close(stop)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case <-stop:
	case <-sig:
	}
	return nil
}

// quiet is a logger for the SDK that drops everything: the failures that
// matter come back as the workflow's error, and a canceled activity is
// logged as an error by the worker that ran it.
func quiet() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
