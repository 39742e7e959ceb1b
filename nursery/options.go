package nursery

import (
	"fmt"
	"time"
)

// An Option configures a nursery. Options are applied by [Run] in order;
// a later option overrides an earlier one of the same kind.
type Option interface {
	apply(*config)
}

// config is a nursery's settings. It is fixed before the body runs and read
// without synchronization afterwards.
type config struct {
	limit     int           // 0: no limit
	supervise bool          // errors do not cancel siblings
	name      string        // "" for an unnamed scope
	grace     time.Duration // how long a held panic or Goexit waits for stragglers
}

// DefaultGrace is how long a nursery that holds a panic or a Goexit waits for
// its remaining tasks to return before it crashes the program; see [Grace].
const DefaultGrace = 10 * time.Second

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Limit makes at most n of the tasks started with [Nursery.Go],
// [Nursery.TryGo] and [Spawn] run at once. While n are running, Go queues
// further tasks, up to n of them or 16 if n is smaller, and then blocks;
// TryGo returns false. (A shorter queue would make Go wait for a worker
// every few short tasks.) The goroutines that run limited tasks are
// reused: when a task returns and another is queued, the same goroutine
// runs it. Tasks started with [Nursery.Start] and [Nursery.Background] do
// not count toward the limit.
//
// Limit panics if n < 1.
func Limit(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("nursery: Limit(%d): the limit must be at least 1", n))
	}
	return optionFunc(func(c *config) { c.limit = n })
}

// Supervise makes a nursery collect task errors without canceling the other
// tasks: every task runs to completion, and [Run] returns every root error
// by the usual rules (in the order returned, echoes dropped, the same error
// value once). Panics and runtime.Goexit still cancel the nursery.
func Supervise() Option {
	return optionFunc(func(c *config) { c.supervise = true })
}

// Name names a nursery. The name appears as the pprof label "scope" on the
// goroutines that run its tasks and in the text of its [PanicError]s. It
// never wraps or changes the errors [Run] returns. An empty name leaves the
// nursery unnamed.
func Name(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}

// Grace sets how long a nursery that holds a panic or a runtime.Goexit waits
// for its canceled tasks to return. If they have not all returned by then, a
// task is ignoring cancellation and [Run] would hang with the panic hidden,
// so the program crashes with the original panic instead. The default is
// [DefaultGrace].
//
// Grace panics if d <= 0.
func Grace(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("nursery: Grace(%v): the grace period must be positive", d))
	}
	return optionFunc(func(c *config) { c.grace = d })
}
