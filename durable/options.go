package durable

import "fmt"

// An Option configures a nursery, and the nursery that [Map] and [ForEach]
// open. Options are applied in order; a later option overrides an earlier
// one of the same kind.
type Option interface {
	apply(*config)
}

// config is a nursery's settings, fixed before the body runs.
type config struct {
	limit     int    // 0: no limit
	supervise bool   // errors do not cancel siblings
	name      string // "" for an unnamed scope
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// configure applies opts; what names the call in the panic a nil option
// gets.
func configure(what string, opts []Option) config {
	var c config
	for _, o := range opts {
		if o == nil {
			panic("durable: " + what + " called with a nil Option")
		}
		o.apply(&c)
	}
	return c
}

// Limit makes at most n tasks of the nursery run at once. While n are
// running, [Nursery.Go] and [Spawn] wait, in the caller's coroutine, for
// one to return; nothing is queued behind the limit. There is no default
// limit: a number taken from the machine (GOMAXPROCS) would differ between
// workers and make a replay diverge from the history.
//
// Limit panics if n < 1.
func Limit(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("durable: Limit(%d): the limit must be at least 1", n))
	}
	return optionFunc(func(c *config) { c.limit = n })
}

// Supervise makes a nursery collect task errors without canceling the
// other tasks: every task runs to completion and [Run] returns all the
// errors. A panic still cancels the nursery.
func Supervise() Option {
	return optionFunc(func(c *config) { c.supervise = true })
}

// Name names a nursery. Its tasks' coroutines carry the name
// ([workflow.GoNamed]), so the workflow's stack trace query shows them
// under it, and so does the text of its [PanicError]s. It never wraps or
// changes the errors [Run] returns. An empty name leaves the nursery
// unnamed.
func Name(name string) Option {
	return optionFunc(func(c *config) { c.name = name })
}
