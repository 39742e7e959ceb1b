package proptest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/taskgroup"
	"github.com/scoped-go/scoped/timeout"
)

// errParent is the cause with which a virtual tree's parent is canceled.
var errParent = errors.New("proptest: the parent was canceled")

// A record is what one node did, written by the goroutine that ran it and
// read once the root has returned.
type record struct {
	started bool
	endSeq  int64         // from runner.seq: the order in which nodes ended
	end     time.Duration // virtual time since the root started
	how     endKind
	ret     error // returned
	pval    any   // panicked: the value

	// Scopes only.
	maxRunning  int64 // the most Go and Spawn tasks running at once
	cause       error // context.Cause of the scope's context after Run
	parentCause error // context.Cause of its parent context after Run

	problem string // a failed check made while running (a Start's result)
}

// A runner runs one tree.
type runner struct {
	t     *tree
	recs  []record
	seq   atomic.Int64
	epoch time.Time
}

func newRunner(t *tree) *runner {
	return &runner{t: t, recs: make([]record, len(t.nodes))}
}

// runRoot runs the tree's root in a goroutine of its own, so that a Goexit
// ends that goroutine, and returns once it has ended.
func (x *runner) runRoot(ctx context.Context) {
	x.epoch = time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // recorded by call
		_ = x.call(ctx, x.t.root)
	}()
	<-done
}

// call runs n in the calling goroutine and records how it ended.
func (x *runner) call(ctx context.Context, n *node) (err error) {
	rec := &x.recs[n.id]
	rec.started = true
	returned := false
	defer func() {
		rec.endSeq = x.seq.Add(1)
		rec.end = time.Since(x.epoch)
		if returned {
			rec.how, rec.ret = returned_, err
			return
		}
		if r := recover(); r != nil {
			rec.how, rec.pval = panicked, r
			panic(r)
		}
		rec.how = exited
	}()
	if n.scope == leafNode {
		err = x.leaf(ctx, n)
	} else {
		err = x.scope(ctx, n, rec)
	}
	returned = true
	return err
}

const returned_ = returned

func (x *runner) leaf(ctx context.Context, n *node) error {
	switch n.leaf {
	case okLeaf, failLeaf, panicLeaf, goexitLeaf:
		if x.t.realTime {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			runtime.Gosched()
		} else {
			timer := time.NewTimer(n.d)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return act(n, n.leaf)
	case blockLeaf:
		<-ctx.Done()
		return ctx.Err()
	case stubbornLeaf:
		time.Sleep(n.d)
		return act(n, n.act)
	case timeoutLeaf:
		return timeout.Run(ctx, n.d, func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
	case startFailLeaf:
		return n.err
	}
	panic(fmt.Sprintf("proptest: leaf kind %d run by call", n.leaf))
}

func act(n *node, k leafKind) error {
	switch k {
	case failLeaf:
		return n.err
	case panicLeaf:
		panic(n.pval)
	case goexitLeaf:
		runtime.Goexit()
	}
	return nil
}

// scope runs a scope node's children in a nursery or a taskgroup call.
func (x *runner) scope(ctx context.Context, n *node, rec *record) error {
	var running atomic.Int64
	var scopeCtx atomic.Pointer[context.Context]
	// counted wraps the task of child k to track how many Go and Spawn
	// tasks of a limited scope run at once.
	counted := func(k *node, task func(context.Context) error) func(context.Context) error {
		if n.limit == 0 || k.mode == startMode_ || k.mode == bgMode {
			return task
		}
		return func(ctx context.Context) error {
			r := running.Add(1)
			defer running.Add(-1)
			for {
				m := atomic.LoadInt64(&rec.maxRunning)
				if r <= m || atomic.CompareAndSwapInt64(&rec.maxRunning, m, r) {
					break
				}
			}
			return task(ctx)
		}
	}
	defer func() {
		if p := scopeCtx.Load(); p != nil {
			rec.cause = context.Cause(*p)
		}
		rec.parentCause = context.Cause(ctx)
	}()

	if n.scope == allScope {
		tasks := make([]func(context.Context) (int, error), len(n.children))
		for i, k := range n.children {
			tasks[i] = func(ctx context.Context) (int, error) {
				scopeCtx.CompareAndSwap(nil, &ctx)
				return 0, x.call(ctx, k)
			}
		}
		_, err := taskgroup.All(ctx, tasks...)
		return err
	}

	var opts []nursery.Option
	if n.limit > 0 {
		// A queue as long as the limit: the tree has at most twice the
		// limit of Go and Spawn tasks, so the body never blocks in Go.
		opts = append(opts, nursery.Limit(n.limit), nursery.Queue(n.limit))
	}
	if n.supervise {
		opts = append(opts, nursery.Supervise())
	}
	return nursery.Run(ctx, func(ctx context.Context, nn *nursery.Nursery) error {
		scopeCtx.Store(&ctx)
		futures := make([]*nursery.Future[int], len(n.children))
		for i, k := range n.children {
			task := counted(k, func(ctx context.Context) error { return x.call(ctx, k) })
			if k.scope == leafNode && k.leaf == awaitLeaf {
				f := futures[k.await]
				task = counted(k, func(ctx context.Context) error { return x.awaitCall(ctx, k, f) })
			}
			switch k.mode {
			case goMode:
				nn.Go(task)
			case spawnMode:
				futures[i] = nursery.Spawn(nn, func(ctx context.Context) (int, error) {
					return 0, task(ctx)
				})
			case bgMode:
				nn.Background(task)
			case startMode_:
				startFail := k.scope == leafNode && k.leaf == startFailLeaf
				err := nn.Start(func(ctx context.Context, ready func()) error {
					if !startFail {
						ready()
					}
					return task(ctx)
				})
				if startFail && err != k.err {
					x.recs[k.id].problem = fmt.Sprintf("Start returned %v, want the task's error %v", err, k.err)
				} else if !startFail && err != nil {
					x.recs[k.id].problem = fmt.Sprintf("Start returned %v, want nil", err)
				}
			}
		}
		return nil
	}, opts...)
}

// awaitCall runs an await leaf: it returns the error of f.Await.
func (x *runner) awaitCall(ctx context.Context, k *node, f *nursery.Future[int]) (err error) {
	rec := &x.recs[k.id]
	rec.started = true
	defer func() {
		rec.endSeq = x.seq.Add(1)
		rec.end = time.Since(x.epoch)
		rec.how, rec.ret = returned, err
	}()
	_, err = f.Await(ctx)
	return err
}
