package nurseryescape

import (
	"context"

	"github.com/scoped-go/scoped/nursery"
)

type server struct {
	n     *nursery.Nursery
	tasks chan *nursery.Nursery
}

var global *nursery.Nursery

func task(ctx context.Context) error { return nil }

// A nursery stored in a struct field.
func (s *server) run(ctx context.Context) error {
	return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		s.n = n // want `nursery n is stored in field n of s, declared outside this function, where it outlives the body of nursery.Run: pass it as an argument to the functions called from the body instead`
		return nil
	})
}

// A helper that keeps the nursery in its receiver.
func (s *server) attach(n *nursery.Nursery) {
	s.n = n // want `nursery n is stored in field n of s, declared outside this function`
}

// A global, a channel, a composite literal, a captured variable.
func escapes(ctx context.Context, out chan *nursery.Nursery) error {
	var kept *nursery.Nursery
	byName := map[string]*server{}
	err := nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		global = n                  // want `nursery n is stored in package-level variable global`
		out <- n                    // want `nursery n is sent on a channel`
		byName["a"] = &server{n: n} // want `nursery n is stored in an element of byName, declared outside this function`
		kept = n                    // want `nursery n is stored in variable kept, declared outside this function`
		return nil
	})
	_ = kept
	return err
}

// Returned from a closure that captured it.
func returned(ctx context.Context) error {
	var get func() *nursery.Nursery
	return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		get = func() *nursery.Nursery { return n } // want `nursery n is returned from a function literal that captured it`
		_ = get
		return nil
	})
}

// Used by goroutines the nursery did not start.
func bareGoroutine(ctx context.Context) error {
	return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		go func() { // want `nursery n is used by a goroutine it did not start, which can outlive the body of nursery.Run: start the work with n.Go instead of a go statement`
			n.Go(task)
		}()
		go helper(n) // want `nursery n is used by a goroutine it did not start`
		return nil
	})
}

func helper(n *nursery.Nursery) { n.Go(task) }

// Silent: passed down to helpers called from the body, kept in a local
// struct, used by tasks the nursery started.
func passedDown(ctx context.Context) error {
	return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		helper(n)
		w := &server{}
		w.n = n
		local := server{n: n}
		_ = local
		n.Go(func(ctx context.Context) error {
			n.Go(task)
			return nil
		})
		return nil
	})
}

// Silent with an allow comment.
func allowedEscape(ctx context.Context) *nursery.Nursery {
	var kept *nursery.Nursery
	_ = nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
		kept = n //scoped:allow nurseryescape: the test checks that Go panics after Run
		return nil
	})
	return kept
}
