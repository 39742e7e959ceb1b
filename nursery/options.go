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
	queue     int           // tasks that may wait behind the limit
	queueSet  bool          // Queue was given, to be checked against limit
	supervise bool          // errors do not cancel siblings
	name      string        // "" for an unnamed scope
	grace     time.Duration // how long a held panic or Goexit waits for stragglers
}

// DefaultGrace is how long a nursery that holds a panic or a Goexit waits for
// its remaining tasks to return before it crashes the program; see [Grace].
const DefaultGrace = 10 * time.Second

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Limit admits at most n of the tasks started with [Nursery.Go],
// [Nursery.TryGo] and [Spawn] at once: a task is admitted from the moment
// it is handed to a goroutine to run until it returns. While n are
// admitted, Go and Spawn block until one of them returns or the nursery is
// canceled; TryGo returns false. There is no hidden buffer: [Queue] lets
// tasks wait behind the limit without blocking Go. Once the nursery is
// canceled, a Go waiting for room gives up and drops its task, which would
// only have seen a canceled context.
//
// The goroutines that run limited tasks are reused: at most n of them are
// started, and one that has finished a task runs the next. Tasks started
// with [Nursery.Start] and [Nursery.Background] do not count toward the
// limit.
//
// Limit panics if n < 1.
func Limit(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("nursery: Limit(%d): the limit must be at least 1", n))
	}
	return optionFunc(func(c *config) { c.limit = n })
}

// Queue lets k tasks wait behind a nursery's [Limit] without blocking: Go
// and Spawn block only while n tasks are admitted and k more are waiting.
// A waiting task starts, in the order it was started, when an admitted one
// returns; if the nursery is canceled first, it is dropped without
// running. [Nursery.TryGo] never uses the queue: it reports true only for
// a task admitted at once, so that its caller knows the task will run.
// A queue lets the caller run ahead of short tasks instead of waiting for
// each one, at the price of starting work that a failure may drop. Run
// allocates room for n+k tasks when it starts, so k is a bound to size,
// not a hint.
//
// Queue panics if k < 0, and [Run] panics if Queue is given without
// Limit.
func Queue(k int) Option {
	if k < 0 {
		panic(fmt.Sprintf("nursery: Queue(%d): the queue length must be at least 0", k))
	}
	return optionFunc(func(c *config) { c.queue, c.queueSet = k, true })
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
