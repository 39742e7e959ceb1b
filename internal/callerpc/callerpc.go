// Package callerpc finds the call site of a function for the price of a
// few loads rather than a stack walk: the program counter an instrument is
// told for every task started.
//
// runtime.Callers unwinds with the tables of every frame it passes, which
// costs about as much as starting a goroutine. On amd64 and arm64 Go keeps
// a frame pointer in every frame that calls a function, with the return
// address beside it, so the call site of a function is two loads away; the
// runtime's execution tracer walks its stacks the same way. Caller reads it
// there, and checks the answer once per call site against runtime.Callers:
// a call site where the two differ (a method value's wrapper between the
// caller and the function, a function inlined into its caller) is answered
// by runtime.Callers from then on. On other architectures Caller always asks
// runtime.Callers.
package callerpc

import (
	"runtime"
	"sync/atomic"
)

// Caller returns the program counter of the call of the function that
// calls Caller: the return address into that function's caller, what
// runtime.Callers(2, pc) called there would put in pc[0]. Wrappers the
// compiler generates (for a method value, for a method promoted through an
// interface) are seen through, as runtime.Callers sees through them.
//
// The function that calls Caller must call it in its own body, not in a
// function it calls (Caller would then answer for that function). It
// should not be inlined (mark it //go:noinline): if it is, Caller still
// answers right, but as slowly as runtime.Callers.
//
//go:noinline
func Caller() uintptr {
	pc, ok := framePC()
	if ok && known(pc) {
		return pc
	}
	return slow(pc, ok)
}

// slow answers Caller for a call site not yet checked, or checked and
// found to need runtime.Callers, and records what it found. It is not
// inlined, so that Caller's frame, on the path of every task start, stays
// small.
//
//go:noinline
func slow(fast uintptr, ok bool) uintptr {
	slowCalls.Add(1)
	var pcs [1]uintptr
	// 0: runtime.Callers, 1: slow, 2: Caller, 3: the function that called
	// Caller, 4: its caller, whose program counter is the answer.
	runtime.Callers(4, pcs[:])
	if ok {
		remember(fast, pcs[0] == fast)
	}
	return pcs[0]
}

// slowCalls counts the calls that runtime.Callers answered.
var slowCalls atomic.Int64

// SlowCalls returns how many calls of Caller runtime.Callers has answered,
// for tests: on amd64 and arm64 it grows once per call site, the first
// time the site is seen, unless the calling function breaks Caller's rule.
func SlowCalls() int64 { return slowCalls.Load() }

// FramePointers reports whether Caller reads frame pointers here: on
// amd64 and arm64.
func FramePointers() bool {
	_, ok := framePC()
	return ok
}

// The table of checked call sites: an open-addressed hash table indexed
// by a hash of the program counter that the frame pointers gave, probed
// over a few slots. An entry is pc<<1|1 for a pc found right, pc<<1 for
// one found wrong (then runtime.Callers answers), or 0 for none. Entries
// are never removed; when a site's slots are all taken by others, the
// first is replaced, and a site not in the table is checked again.
const (
	tableBits = 12
	probes    = 4
)

var table [1 << tableBits]atomic.Uintptr

func index(pc uintptr) uint64 {
	return uint64(pc) * 0x9E3779B97F4A7C15 >> (64 - tableBits)
}

func slotAt(i uint64) *atomic.Uintptr { return &table[i&(1<<tableBits-1)] }

// known reports whether pc, the frame pointers' answer, is recorded as
// right.
func known(pc uintptr) bool {
	want := pc<<1 | 1
	i := index(pc)
	for k := range uint64(probes) {
		switch slotAt(i + k).Load() {
		case want:
			return true
		case 0:
			return false // the slots after an empty one hold no pc of its
		}
	}
	return false
}

// remember records whether pc is right: in its own slot if it has one, or
// in the first empty one, or else in place of the first of its slots.
func remember(pc uintptr, right bool) {
	e := pc << 1
	if right {
		e |= 1
	}
	i := index(pc)
	for k := range uint64(probes) {
		p := slotAt(i + k)
		old := p.Load()
		if old>>1 == pc {
			p.Store(e)
			return
		}
		if old == 0 && p.CompareAndSwap(0, e) {
			return
		}
		if p.Load()>>1 == pc { // taken for pc by another goroutine meanwhile
			return
		}
	}
	slotAt(i).Store(e)
}
