package scopedotel

import (
	"runtime"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// sites caches the attributes of each call site seen: a program has a
// fixed set of them, and resolving a program counter is far dearer than
// looking it up.
var sites sync.Map // uintptr -> []attribute.KeyValue

// siteAttrs returns the code.* attributes of the call at pc, which nursery
// gives as runtime.Callers would (a return address), or nil if pc is 0.
func siteAttrs(pc uintptr) []attribute.KeyValue {
	if pc == 0 {
		return nil
	}
	if a, ok := sites.Load(pc); ok {
		return a.([]attribute.KeyValue)
	}
	// CallersFrames knows pc for a return address, and sees through
	// inlining to the function that made the call.
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	var a []attribute.KeyValue
	if f.Function != "" {
		a = append(a, semconv.CodeFunctionName(f.Function))
	}
	if f.File != "" {
		a = append(a, semconv.CodeFilePath(f.File), semconv.CodeLineNumber(f.Line))
	}
	v, _ := sites.LoadOrStore(pc, a)
	return v.([]attribute.KeyValue)
}
