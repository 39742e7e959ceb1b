package callerpc

import (
	"runtime"
	"testing"
)

// BenchmarkCaller compares Caller, once the site is checked, with the
// runtime.Callers call it replaces.
func BenchmarkCaller(b *testing.B) {
	b.Run("impl=callerpc", func(b *testing.B) {
		for b.Loop() {
			sink = entry()
		}
	})
	b.Run("impl=runtime.Callers", func(b *testing.B) {
		for b.Loop() {
			sink = callersEntry()
		}
	})
}

var sink uintptr

//go:noinline
func callersEntry() uintptr {
	var pc [1]uintptr
	runtime.Callers(2, pc[:])
	return pc[0]
}
