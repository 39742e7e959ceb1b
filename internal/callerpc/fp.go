//go:build amd64 || arm64

package callerpc

import "unsafe"

// getfp returns the frame pointer of its caller: the address where the
// caller's frame keeps its caller's frame pointer, with the caller's
// return address one word above it. Implemented in assembly.
func getfp() unsafe.Pointer

// framePC returns the return address of the function that called Caller,
// read through the frame pointers: framePC, Caller and that function each
// have a frame, since each calls a function.
//
//go:noinline
func framePC() (uintptr, bool) {
	fp := getfp()               // framePC's frame
	fp = *(*unsafe.Pointer)(fp) // Caller's
	fp = *(*unsafe.Pointer)(fp) // the function that called Caller
	if fp == nil {
		return 0, false
	}
	return *(*uintptr)(unsafe.Add(fp, unsafe.Sizeof(uintptr(0)))), true
}
