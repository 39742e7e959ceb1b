// Package work holds the tasks' work shared by the bench module's
// benchmarks and commands, so that they measure the same thing.
package work

// Tiny is a tiny task's work: a few nanoseconds of arithmetic on i.
func Tiny(i int) int64 {
	x := int64(i)
	for k := range 8 {
		x = x*31 + int64(k)
	}
	return x
}
