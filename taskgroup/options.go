package taskgroup

import (
	"fmt"
	"runtime"
)

// An Option configures a call to [Map], [ForEach], [MapSettled] or
// [Stream]. Options are
// applied in order; a later option overrides an earlier one of the same
// kind.
type Option interface {
	apply(*config)
}

// config is the settings of one call. It is fixed before any work starts.
type config struct {
	limit     int  // how many calls of fn run at once; 0: GOMAXPROCS
	unordered bool // Stream yields in completion order
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Limit makes at most n calls of fn run at once. Without it, [Map],
// [ForEach], [MapSettled] and [Stream] run at most runtime.GOMAXPROCS(0)
// at once, read when they are called.
//
// Limit panics if n < 1.
func Limit(n int) Option {
	if n < 1 {
		panic(fmt.Sprintf("taskgroup: Limit(%d): the limit must be at least 1", n))
	}
	return optionFunc(func(c *config) { c.limit = n })
}

// Unordered makes [Stream] yield each result as soon as its call returns,
// in completion order, instead of in input order. It applies to Stream
// only: [Map], [ForEach] and [MapSettled] panic when given it.
func Unordered() Option {
	return optionFunc(func(c *config) { c.unordered = true })
}

// configure applies opts for the function named what. It panics on a nil
// option, and on Unordered unless orderable is true.
func configure(what string, orderable bool, opts []Option) config {
	var c config
	for _, o := range opts {
		if o == nil {
			panic("taskgroup: " + what + " called with a nil Option")
		}
		o.apply(&c)
	}
	if c.unordered && !orderable {
		panic("taskgroup: Unordered passed to " + what + ": it applies to Stream only")
	}
	if c.limit == 0 {
		c.limit = runtime.GOMAXPROCS(0)
	}
	return c
}
