package durable_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/scoped-go/scoped/durable"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// execWorkflow runs wf in the SDK's test environment, as a worker would,
// and prints its result, or its error.
func execWorkflow[T any](wf func(ctx workflow.Context) (T, error), activities ...any) {
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	for _, a := range activities {
		env.RegisterActivity(a)
	}
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "example"})
	env.ExecuteWorkflow("example")
	if err := env.GetWorkflowError(); err != nil {
		fmt.Println("workflow error:", err)
		return
	}
	var v T
	_ = env.GetWorkflowResult(&v)
	fmt.Println(v)
}

// Size is an activity.
func Size(ctx context.Context, url string) (int, error) {
	if strings.Contains(url, "bad") {
		return 0, errors.New("bad url " + url)
	}
	return len(url), nil
}

var sizeOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
}

func ExampleRun() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		var log []string
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			for _, d := range []time.Duration{2 * time.Second, time.Second} {
				n.Go(ctx, func(ctx workflow.Context) error {
					if err := workflow.Sleep(ctx, d); err != nil {
						return err
					}
					log = append(log, fmt.Sprint("slept ", d))
					return nil
				})
			}
			return nil
		})
		// Here every task has returned.
		return strings.Join(log, ", "), err
	})
	// Output: slept 1s, slept 2s
}

func ExampleNursery_Go() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		var canceled error
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				canceled = workflow.Sleep(ctx, time.Hour) // canceled by the failure
				return canceled                           // an echo: dropped
			})
			n.Go(ctx, func(ctx workflow.Context) error {
				_ = workflow.Sleep(ctx, time.Second)
				return errors.New("out of stock")
			})
			return nil
		})
		return fmt.Sprintf("Run: %v; the sleeper: %v", err, canceled), nil
	})
	// Output: Run: out of stock; the sleeper: canceled
}

func ExampleNursery_Cancel() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		ticks := 0
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error {
				for workflow.Sleep(ctx, time.Minute) == nil {
					ticks++
				}
				return nil
			})
			n.Go(ctx, func(ctx workflow.Context) error {
				_ = workflow.Sleep(ctx, 150*time.Second)
				n.Cancel() // enough: end the nursery without failing it
				return nil
			})
			return nil
		})
		return fmt.Sprintf("%d ticks, Run: %v", ticks, err), nil
	})
	// Output: 2 ticks, Run: <nil>
}

func ExampleSpawn() {
	execWorkflow(func(ctx workflow.Context) (int, error) {
		var total int
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			price := durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) {
				return durable.Activity[string, int](Size, sizeOptions)(ctx, "price")
			})
			tax := durable.Spawn(ctx, n, func(ctx workflow.Context) (int, error) { return 2, nil })
			p, err := price.Get(ctx)
			if err != nil {
				return err
			}
			t, err := tax.Get(ctx)
			total = p + t
			return err
		})
		return total, err
	}, Size)
	// Output: 7
}

func ExampleFuture_Get() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		var out string
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			f := durable.Spawn(ctx, n, func(ctx workflow.Context) (string, error) {
				return "ready", workflow.Sleep(ctx, time.Minute)
			})
			// Get waits on the caller's own context.
			v, err := f.Get(ctx)
			out = v
			return err
		})
		return out, err
	})
	// Output: ready
}

func ExampleMap() {
	execWorkflow(func(ctx workflow.Context) ([]int, error) {
		urls := []string{"a.example", "bb.example", "ccc.example"}
		return durable.Map(ctx, urls, durable.Activity[string, int](Size, sizeOptions), durable.Limit(2))
	}, Size)
	// Output: [9 10 11]
}

func ExampleMap_failure() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		urls := []string{"a.example", "bad.example", "ccc.example"}
		sizes, err := durable.Map(ctx, urls, durable.Activity[string, int](Size, sizeOptions))
		var app *temporal.ApplicationError
		errors.As(err, &app) // the activity's own error, inside an ActivityError
		return fmt.Sprintf("%v, %v", sizes, app.Error()), nil
	}, Size)
	// Output: [], bad url bad.example
}

func ExampleForEach() {
	execWorkflow(func(ctx workflow.Context) (int, error) {
		seen := 0
		err := durable.ForEach(ctx, []string{"a", "b", "c"}, func(ctx workflow.Context, s string) error {
			seen++
			return nil
		})
		return seen, err
	})
	// Output: 3
}

func ExampleAll() {
	execWorkflow(func(ctx workflow.Context) ([]string, error) {
		return durable.All(ctx,
			func(ctx workflow.Context) (string, error) { return "user", workflow.Sleep(ctx, 2*time.Second) },
			func(ctx workflow.Context) (string, error) { return "orders", workflow.Sleep(ctx, time.Second) },
		)
	})
	// Output: [user orders]
}

func ExampleAny() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		return durable.Any(ctx,
			func(ctx workflow.Context) (string, error) { return "primary", workflow.Sleep(ctx, time.Minute) },
			func(ctx workflow.Context) (string, error) { return "replica", workflow.Sleep(ctx, time.Second) },
		)
	})
	execWorkflow(func(ctx workflow.Context) (bool, error) {
		_, err := durable.Any[string](ctx)
		return errors.Is(err, durable.ErrNoTasks), nil
	})
	// Output:
	// replica
	// true
}

func ExampleSettled() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		results := durable.Settled(ctx,
			func(ctx workflow.Context) (int, error) { return 1, nil },
			func(ctx workflow.Context) (int, error) { return 0, errors.New("no") },
		)
		var b strings.Builder
		for _, r := range results { // each a durable.Result
			fmt.Fprintf(&b, "{%v %v} ", r.Value, r.Err)
		}
		return b.String(), nil
	})
	// Output: {1 <nil>} {0 no}
}

func ExampleActivity() {
	execWorkflow(func(ctx workflow.Context) (int, error) {
		// Heartbeating activities also set HeartbeatTimeout, so that a
		// cancellation reaches them.
		size := durable.Activity[string, int](Size, sizeOptions)
		return size(ctx, "hello")
	}, Size)
	// Output: 5
}

func ExampleLimit() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		running, most := 0, 0
		err := durable.ForEach(ctx, make([]int, 10), func(ctx workflow.Context, _ int) error {
			running++
			most = max(most, running)
			defer func() { running-- }()
			return workflow.Sleep(ctx, time.Second)
		}, durable.Limit(3))
		return fmt.Sprint("at most ", most, " at once"), err
	})
	// Output: at most 3 at once
}

func ExampleSupervise() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		err := durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
			n.Go(ctx, func(ctx workflow.Context) error { return errors.New("first") })
			n.Go(ctx, func(ctx workflow.Context) error {
				_ = workflow.Sleep(ctx, time.Second) // not canceled by the first
				return errors.New("second")
			})
			return nil
		}, durable.Supervise())
		return strings.ReplaceAll(err.Error(), "\n", " and "), nil
	})
	// Output: first and second
}

func ExampleName() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		var msg string
		func() {
			defer func() {
				pe := recover().(*durable.PanicError)
				msg, _, _ = strings.Cut(pe.Error(), "\n")
			}()
			_ = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				n.Go(ctx, func(ctx workflow.Context) error { panic("no such item") })
				return nil
			}, durable.Name("checkout"))
		}()
		return msg, nil
	})
	// Output: durable: task in "checkout" panicked: no such item
}

func ExamplePanicError() {
	execWorkflow(func(ctx workflow.Context) (string, error) {
		var out string
		func() {
			defer func() {
				if pe, ok := recover().(*durable.PanicError); ok {
					out = fmt.Sprintf("recovered %v, with the task's stack: %v", pe.Value, strings.Contains(string(pe.Stack), "ExamplePanicError"))
				}
			}()
			_ = durable.Run(ctx, func(ctx workflow.Context, n *durable.Nursery) error {
				n.Go(ctx, func(ctx workflow.Context) error { panic("index out of range") })
				return nil
			})
		}()
		return out, nil
	})
	// Output: recovered index out of range, with the task's stack: true
}
