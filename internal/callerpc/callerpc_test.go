package callerpc

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// entry stands for an entry point of nursery: it returns the site of its
// own call.
//
//go:noinline
func entry() uintptr { return Caller() }

// inlinedEntry is an entry point that the compiler inlines: Caller must
// still see through it, with runtime.Callers.
func inlinedEntry() uintptr { return Caller() }

// line returns the line of its call.
//
//go:noinline
func line() int {
	_, _, l, _ := runtime.Caller(1)
	return l
}

// where returns the function, without its package path, and the line of
// the call at pc.
func where(pc uintptr) (string, int) {
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return strings.TrimPrefix(f.Function, "github.com/scoped-go/scoped/internal/"), f.Line
}

// A calling function of each shape, each returning the site entry saw and
// the line of the call.

//go:noinline
func plain() (uintptr, int) { return entry(), line() }

// inlinable is inlined into its callers: the site is still its own line.
func inlinable() (uintptr, int) { return entry(), line() }

//go:noinline
func callsInlinable() (uintptr, int) { return inlinable() }

type receiver struct{}

//go:noinline
func (receiver) entry() uintptr { return Caller() }

//go:noinline
func methodValue() (uintptr, int) {
	f := receiver{}.entry
	return f(), line()
}

type entrier interface{ entry() uintptr }

// embeds gets the method entry from receiver: called through the
// interface, a wrapper the compiler makes calls it.
type embeds struct{ receiver }

//go:noinline
func throughInterface(e entrier) (uintptr, int) { return e.entry(), line() }

//go:noinline
func viaInlinedEntry() (uintptr, int) { return inlinedEntry(), line() }

//go:noinline
func closure() (uintptr, int) {
	f := func() (uintptr, int) { return entry(), line() }
	return f()
}

//go:noinline
func generic[T any]() (uintptr, int) { return entry(), line() }

// deep calls f with n frames under it, each with a large frame, so that
// the goroutine's stack grows and is copied on the way.
//
//go:noinline
func deep(n int, f func() (uintptr, int)) (uintptr, int) {
	var pad [512]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return f()
	}
	pc, l := deep(n-1, f)
	return pc + uintptr(pad[n%len(pad)]-byte(n)), l
}

var shapes = []struct {
	name string
	call func() (uintptr, int)
	fn   string // the function the site must be in
}{
	{"plain", plain, "callerpc.plain"},
	{"inlined caller", callsInlinable, "callerpc.inlinable"},
	{"method value", methodValue, "callerpc.methodValue"},
	{"interface wrapper", func() (uintptr, int) { return throughInterface(embeds{}) }, "callerpc.throughInterface"},
	{"inlined entry", viaInlinedEntry, "callerpc.viaInlinedEntry"},
	{"closure", closure, "callerpc.closure.func1"},
	{"generic", generic[int], "callerpc.generic[...]"},
	{"deep stack", func() (uintptr, int) { return deep(50, plain) }, "callerpc.plain"},
}

// TestCaller checks the site of each shape of call, the first time (when
// it is checked against runtime.Callers) and the times after (when the
// table answers), in this goroutine and in new ones.
func TestCaller(t *testing.T) {
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			for i := range 3 {
				pc, want := s.call()
				fn, got := where(pc)
				if fn != s.fn || got != want {
					t.Errorf("call %d: site %s:%d, want %s:%d", i, fn, got, s.fn, want)
				}
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
					pc, want := s.call()
					if fn, got := where(pc); fn != s.fn || got != want {
						t.Errorf("in a goroutine: site %s:%d, want %s:%d", fn, got, s.fn, want)
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestFastPath checks that the frame pointers answer a call site once it
// has been checked, and that runtime.Callers goes on answering the sites
// they would get wrong (behind a wrapper), on the architectures where they
// are read.
func TestFastPath(t *testing.T) {
	if _, ok := framePC(); !ok {
		t.Skipf("no frame pointers are read on %s", runtime.GOARCH)
	}
	for _, tc := range []struct {
		name string
		call func() (uintptr, int)
		fast bool
	}{
		{"plain", plain, true},
		{"inlined caller", callsInlinable, true},
		{"generic", generic[string], true},
		{"closure", closure, true},
		{"method value", methodValue, false},
		{"interface wrapper", func() (uintptr, int) { return throughInterface(embeds{}) }, false},
		// An inlined entry is answered slowly, but whether it is inlined
		// depends on the build (-gcflags=-l): TestCaller checks its answer.
	} {
		tc.call() // checked, if it was not yet
		before := slowCalls.Load()
		for range 10 {
			tc.call()
		}
		if fast := slowCalls.Load() == before; fast != tc.fast {
			t.Errorf("%s: answered by the frame pointers = %v, want %v", tc.name, fast, tc.fast)
		}
	}
}

// TestTableCollisions checks that call sites whose hashes collide are all
// remembered, as far as the probes reach, and that one more takes the
// place of the first rather than being lost.
func TestTableCollisions(t *testing.T) {
	// Program counters that hash to the same slot, all even so that none
	// is a real one checked by the other tests.
	var pcs []uintptr
	for pc := uintptr(2); len(pcs) < probes+1; pc += 2 {
		if index(pc) == index(2) {
			pcs = append(pcs, pc)
		}
	}
	before := make([]uintptr, probes)
	for k := range before {
		before[k] = slotAt(index(2) + uint64(k)).Load()
	}
	defer func() {
		for k, e := range before {
			slotAt(index(2) + uint64(k)).Store(e)
		}
	}()
	for k := range probes {
		slotAt(index(2) + uint64(k)).Store(0)
	}
	for k, pc := range pcs[:probes] {
		remember(pc, k%2 == 0)
	}
	for k, pc := range pcs[:probes] {
		if got := known(pc); got != (k%2 == 0) {
			t.Errorf("known(pcs[%d]) = %v, want %v", k, got, k%2 == 0)
		}
	}
	remember(pcs[probes], true)
	if !known(pcs[probes]) {
		t.Errorf("a site past the probes is not remembered")
	}
	if known(pcs[0]) {
		t.Errorf("the first site is still known after a site took its place")
	}
	remember(pcs[1], true) // a site found wrong, then right, is right
	if !known(pcs[1]) {
		t.Errorf("a site remembered again is not updated")
	}
}
