// Package tracecheck checks, in its tests, what inspect.RuntimeTrace
// writes into a real execution trace, read back with
// golang.org/x/exp/trace: a dependency kept out of the main module.
package tracecheck
