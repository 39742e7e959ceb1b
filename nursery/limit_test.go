package nursery_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/scoped-go/scoped/nursery"
)

// Limit and guarantee 6: back-pressure never deadlocks a failing scope.

// gauge counts the tasks running at once and remembers the peak.
type gauge struct{ now, peak atomic.Int32 }

func (g *gauge) enter() {
	now := g.now.Add(1)
	for {
		peak := g.peak.Load()
		if now <= peak || g.peak.CompareAndSwap(peak, now) {
			return
		}
	}
}

func (g *gauge) exit() { g.now.Add(-1) }

func TestLimitPeak(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			limit int
			tasks int
		}{
			{name: "1", limit: 1, tasks: 5},
			{name: "2", limit: 2, tasks: 9},
			{name: "3", limit: 3, tasks: 10},
			{name: "8", limit: 8, tasks: 33},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					var g gauge
					start := time.Now()
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						for range tc.tasks {
							n.Go(func(ctx context.Context) error {
								g.enter()
								defer g.exit()
								time.Sleep(time.Second)
								return nil
							})
						}
						return nil
					}, nursery.Limit(tc.limit))
					if err != nil {
						t.Errorf("Run() = %v, want nil", err)
					}
					if got := int(g.peak.Load()); got != tc.limit {
						t.Errorf("with Limit(%d), peak tasks running = %d, want %d", tc.limit, got, tc.limit)
					}
					rounds := (tc.tasks + tc.limit - 1) / tc.limit
					if got, want := time.Since(start), time.Duration(rounds)*time.Second; got != want {
						t.Errorf("with Limit(%d), %d one-second tasks took %v, want %v", tc.limit, tc.tasks, got, want)
					}
				})
			})
		}
	})
}

// With Limit(n) and Queue(k), Go admits n tasks and lets k wait behind
// them without blocking; while none of them returns, the next Go blocks.
func TestLimitGoBlocksWhenFull(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			limit, queue int
			opts         []nursery.Option // besides Limit
		}{
			{limit: 1},
			{limit: 2},
			{limit: 100},
			{limit: 2, opts: []nursery.Option{nursery.Queue(0)}},
			{limit: 1, queue: 1, opts: []nursery.Option{nursery.Queue(1)}},
			{limit: 2, queue: 16, opts: []nursery.Option{nursery.Queue(16)}},
			{limit: 3, queue: 5, opts: []nursery.Option{nursery.Queue(5)}},
			{limit: 3, queue: 5, opts: []nursery.Option{nursery.Queue(7), nursery.Queue(5)}}, // the later wins
		} {
			t.Run(fmt.Sprintf("limit=%d/queue=%d", tc.limit, tc.queue), func(t *testing.T) {
				testLimitGoBlocksWhenFull(t, tc.limit, tc.queue, tc.opts)
			})
		}
	})
}

func testLimitGoBlocksWhenFull(t *testing.T, limit, queue int, opts []nursery.Option) {
	synctest.Test(t, func(t *testing.T) {
		var g gauge
		var started, returned atomic.Int32
		release := make(chan struct{})
		task := func(ctx context.Context) error {
			started.Add(1)
			g.enter()
			defer g.exit()
			<-release
			return nil
		}
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			go func() { //scoped:allow nurseryescape: the test watches Go block from outside the nursery
				for range limit + queue + 1 {
					n.Go(task)
					returned.Add(1)
				}
			}()
			synctest.Wait() // Go is durably blocked, or every call has returned
			if got := returned.Load(); got != int32(limit+queue) {
				t.Errorf("with Limit(%d) and Queue(%d), Go returned %d times while no task returned, want %d", limit, queue, got, limit+queue)
			}
			if got := started.Load(); got != int32(limit) {
				t.Errorf("with Limit(%d) and Queue(%d), %d tasks started, want %d", limit, queue, got, limit)
			}
			close(release)
			synctest.Wait()
			if got := returned.Load(); got != int32(limit+queue+1) {
				t.Errorf("Go still blocked after the tasks returned, want it returned")
			}
			return nil
		}, append([]nursery.Option{nursery.Limit(limit)}, opts...)...)
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if got := started.Load(); got != int32(limit+queue+1) {
			t.Errorf("%d tasks ran, want %d", got, limit+queue+1)
		}
		if got := g.peak.Load(); got != int32(limit) {
			t.Errorf("peak tasks running = %d, want %d", got, limit)
		}
	})
}

// With Limit(1) and a task running, Go waits until the task returns, or
// until the nursery is canceled, and not a moment longer.
func TestLimitGoWaitsForTheSlot(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name string
			// first is the running task; something ends the wait at 1s.
			first   func(ctx context.Context, n *nursery.Nursery) error
			wantRan bool
			want    error
		}{
			{
				name: "the task returns",
				first: func(ctx context.Context, n *nursery.Nursery) error {
					time.Sleep(time.Second)
					return nil
				},
				wantRan: true,
			},
			{
				name: "Cancel",
				first: func(ctx context.Context, n *nursery.Nursery) error {
					time.AfterFunc(time.Second, func() { n.Cancel(nil) })
					<-ctx.Done()
					time.Sleep(time.Hour) // slow to return: the wait must end on the cancellation
					return nil
				},
			},
			{
				// The failure frees the slot too, but is known first: the
				// waiting task must not start.
				name: "the task fails",
				first: func(ctx context.Context, n *nursery.Nursery) error {
					time.Sleep(time.Second)
					return errA
				},
				want: errA,
			},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					start := time.Now()
					var ran atomic.Bool
					var waited time.Duration
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Go(func(ctx context.Context) error { return tc.first(ctx, n) })
						n.Go(func(ctx context.Context) error {
							ran.Store(true)
							return nil
						})
						waited = time.Since(start)
						return nil
					}, nursery.Limit(1), nursery.Queue(0))
					if err != tc.want {
						t.Errorf("Run() = %v, want %v", err, tc.want)
					}
					if waited != time.Second {
						t.Errorf("the second Go returned after %v, want 1s", waited)
					}
					if got := ran.Load(); got != tc.wantRan {
						t.Errorf("the second task ran: %v, want %v", got, tc.wantRan)
					}
				})
			})
		}
	})
}

// Once the nursery is canceled, a Go blocked on a full nursery returns and
// drops its task, and the tasks queued behind the limit are dropped too.
func TestLimitCancellationDropsWaitingTasks(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name string
			// cancel ends the nursery; it returns what the body returns.
			cancel func(n *nursery.Nursery, cancelParent context.CancelCauseFunc) error
			want   []error
		}{
			{
				name:   "Cancel",
				cancel: func(n *nursery.Nursery, _ context.CancelCauseFunc) error { n.Cancel(nil); return nil },
			},
			{
				name: "parent",
				cancel: func(n *nursery.Nursery, cancelParent context.CancelCauseFunc) error {
					cancelParent(errParent)
					return nil
				},
			},
			{
				name:   "body error",
				cancel: func(*nursery.Nursery, context.CancelCauseFunc) error { return errA },
				want:   []error{errA},
			},
		} {
			for _, queue := range []int{0, 16} {
				t.Run(fmt.Sprintf("%s/queue=%d", tc.name, queue), func(t *testing.T) {
					testLimitCancellationDropsWaitingTasks(t, queue, tc.cancel, tc.want)
				})
			}
		}
	})
}

func testLimitCancellationDropsWaitingTasks(t *testing.T, queue int, cancel func(*nursery.Nursery, context.CancelCauseFunc) error, want []error) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 2
		start := time.Now()
		var running, dropped atomic.Int32
		var goReturnedAt atomic.Int64
		goReturnedAt.Store(-1)
		parent, cancelParent := context.WithCancelCause(t.Context())
		defer cancelParent(nil)
		err := nursery.Run(parent, func(ctx context.Context, n *nursery.Nursery) error {
			for range limit {
				n.Go(func(ctx context.Context) error {
					running.Add(1)
					time.Sleep(time.Hour) // ignores cancellation
					return nil
				})
			}
			queued := func(context.Context) error {
				dropped.Add(1)
				return nil
			}
			for range queue {
				n.Go(queued)
			}
			go func() { //scoped:allow nurseryescape: the test watches Go block from outside the nursery
				n.Go(queued) // blocks: limit running, the queue full
				goReturnedAt.Store(int64(time.Since(start)))
			}()
			synctest.Wait()
			if got := goReturnedAt.Load(); got != -1 {
				t.Errorf("Go returned with the nursery full, want it blocked")
			}
			time.Sleep(time.Minute)
			return cancel(n, cancelParent)
		}, nursery.Limit(limit), nursery.Queue(queue))
		checkErrors(t, err, want...)
		if got := running.Load(); got != limit {
			t.Errorf("%d of the first tasks ran, want %d", got, limit)
		}
		if got := dropped.Load(); got != 0 {
			t.Errorf("%d queued or waiting tasks ran after the nursery was canceled, want none", got)
		}
		if got := time.Duration(goReturnedAt.Load()); got != time.Minute {
			t.Errorf("the blocked Go returned at %v, want at once on cancellation (%v)", got, time.Minute)
		}
	})
}

// A task started in a canceled nursery that has room runs, with the
// canceled context.
func TestGoAfterCancelRunsWithRoom(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name string
			opts []nursery.Option
		}{
			{name: "unlimited"},
			{name: "Limit with room", opts: []nursery.Option{nursery.Limit(1)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					var sawCause atomic.Value
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						n.Cancel(errStop)
						n.Go(func(ctx context.Context) error {
							sawCause.Store(context.Cause(ctx))
							return ctx.Err()
						})
						return nil
					}, tc.opts...)
					if err != nil {
						t.Errorf("Run() = %v, want nil", err)
					}
					if got := sawCause.Load(); got != errStop {
						t.Errorf("a task started after Cancel saw Cause(ctx) = %v, want it run with %v", got, errStop)
					}
				})
			})
		}
	})
}

// TryGo admits a task only when the limit has room, and never queues it:
// a task it accepts runs.
func TestTryGo(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			const limit = 2
			var ran atomic.Int32
			release := make(chan struct{})
			blocker := func(context.Context) error { <-release; return nil }
			never := func(context.Context) error { ran.Add(1); return nil }
			err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				for i := range limit {
					if !n.TryGo(blocker) {
						t.Errorf("TryGo() = false with %d of %d running, want true", i, limit)
					}
				}
				// A TryGo that blocked would deadlock the bubble: the blockers
				// wait for this goroutine.
				if n.TryGo(never) {
					t.Errorf("TryGo() = true with the limit reached and room in the queue, want false")
				}
				n.Go(blocker) // queued behind the limit
				if n.TryGo(never) {
					t.Errorf("TryGo() = true with the limit reached and a task queued, want false")
				}
				close(release)
				synctest.Wait() // every blocker has returned
				if !n.TryGo(func(context.Context) error { return nil }) {
					t.Errorf("TryGo() = false with no task running, want true")
				}
				return nil
			}, nursery.Limit(limit), nursery.Queue(1))
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
			if got := ran.Load(); got != 0 {
				t.Errorf("%d tasks refused by TryGo ran, want none", got)
			}
		})
	})
}

// Without a limit there is always room.
func TestTryGoUnlimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ran atomic.Int32
		err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
			for range 100 {
				if !n.TryGo(func(ctx context.Context) error {
					ran.Add(1)
					<-ctx.Done()
					return nil
				}) {
					t.Errorf("TryGo() = false without a limit, want true")
				}
			}
			synctest.Wait()
			n.Cancel(nil)
			return nil
		})
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
		if got := ran.Load(); got != 100 {
			t.Errorf("%d of 100 tasks started with TryGo ran, want all", got)
		}
	})
}

// goid returns the current goroutine's id.
func goid() string {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	line, _, _ = bytes.Cut(line, []byte(" ["))
	return string(line) // "goroutine N"
}

// A limited nursery runs its tasks on at most limit reused goroutines.
func TestLimitReusesWorkers(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			limit int
			work  func()
			// exact: the tasks overlap, so every worker is used.
			exact bool
		}{
			{name: "short tasks", limit: 3, work: func() {}},
			{name: "overlapping tasks", limit: 3, work: func() { time.Sleep(time.Millisecond) }, exact: true},
			{name: "limit 1", limit: 1, work: func() {}, exact: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					const tasks = 200
					var mu sync.Mutex
					ids := make(map[string]int)
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						for range tasks {
							n.Go(func(context.Context) error {
								mu.Lock()
								ids[goid()]++
								mu.Unlock()
								tc.work()
								return nil
							})
						}
						return nil
					}, nursery.Limit(tc.limit))
					if err != nil {
						t.Errorf("Run() = %v, want nil", err)
					}
					total := 0
					for _, c := range ids {
						total += c
					}
					if total != tasks {
						t.Errorf("%d tasks ran, want %d", total, tasks)
					}
					if len(ids) > tc.limit || (tc.exact && len(ids) != tc.limit) {
						t.Errorf("%d tasks with Limit(%d) ran on %d goroutines, want %d", tasks, tc.limit, len(ids), tc.limit)
					}
				})
			})
		}
	})
}

// Options apply in order: a later Limit overrides an earlier one.
func TestLaterLimitOverrides(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var g gauge
			err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
				for range 9 {
					n.Go(func(context.Context) error {
						g.enter()
						defer g.exit()
						time.Sleep(time.Second)
						return nil
					})
				}
				return nil
			}, nursery.Limit(1), nursery.Limit(3))
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
			if got := g.peak.Load(); got != 3 {
				t.Errorf("with Limit(1), Limit(3), peak tasks running = %d, want 3", got)
			}
		})
	})
}

// Every admitted task starts while the others run, also when the workers
// had all gone idle: in each round, limit tasks meet at a barrier that
// opens only once all of them are running, after the previous round's
// workers have parked. A worker left parked with a task waiting for it
// would leave the round blocked for good, which synctest reports.
func TestLimitWakesIdleWorkers(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct{ limit, queue int }{{1, 0}, {2, 0}, {3, 0}, {4, 4}, {8, 1}} {
			t.Run(fmt.Sprintf("limit=%d/queue=%d", tc.limit, tc.queue), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					const rounds = 20
					var ran atomic.Int32
					err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
						for range rounds {
							var all sync.WaitGroup
							all.Add(tc.limit)
							var done sync.WaitGroup
							done.Add(tc.limit)
							for range tc.limit {
								n.Go(func(context.Context) error {
									defer done.Done()
									all.Done()
									all.Wait() // every task of the round is running
									ran.Add(1)
									return nil
								})
							}
							done.Wait()
							synctest.Wait() // the workers have taken nothing more and parked
						}
						return nil
					}, nursery.Limit(tc.limit), nursery.Queue(tc.queue))
					if err != nil {
						t.Errorf("Run() = %v, want nil", err)
					}
					if got, want := ran.Load(), int32(rounds*tc.limit); got != want {
						t.Errorf("%d tasks ran, want %d", got, want)
					}
				})
			})
		}
	})
}

// A Go that waits for room, called from a goroutine the body started (no
// count holds it), is counted while it waits: Run returns only once its
// task has been admitted and has run, or has been dropped and reported to
// the instruments before the scope closes.
func TestRunWaitsForAWaitingGo(t *testing.T) {
	inBothLimitModes(t, func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			cancel  bool // the body cancels the nursery: the waiting task is dropped
			wantRan bool
		}{
			{name: "admitted when room frees", wantRan: true},
			{name: "dropped on cancellation", cancel: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for round := range 30 {
					r := &recorder{sites: map[string]uintptr{}}
					remove := nursery.AddInstrument(r)
					synctest.Test(t, func(t *testing.T) {
						var ran, returned atomic.Bool
						err := nursery.Run(t.Context(), func(ctx context.Context, n *nursery.Nursery) error {
							n.Go(func(ctx context.Context) error {
								select {
								case <-time.After(time.Hour):
								case <-ctx.Done():
								}
								return nil
							})
							go func() { //scoped:allow nurseryescape: the test calls Go from a goroutine the body started
								n.Go(nursery.Named("waiter", func(context.Context) error {
									if returned.Load() {
										t.Errorf("round %d: the waiting Go's task ran after Run returned", round)
									}
									ran.Store(true)
									return nil
								}))
							}()
							synctest.Wait() // the second Go waits for room
							if tc.cancel {
								n.Cancel(errTask)
							}
							return nil
						}, nursery.Limit(1))
						returned.Store(true)
						if err != nil {
							t.Errorf("round %d: Run = %v, want nil", round, err)
						}
						if ran.Load() != tc.wantRan {
							t.Errorf("round %d: the waiting Go's task ran: %v, want %v", round, ran.Load(), tc.wantRan)
						}
					})
					remove()
					checkOrder(t, r.all())
				}
			})
		}
	})
}
