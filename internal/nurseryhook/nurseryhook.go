// Package nurseryhook lets package taskgroup reach what package nursery
// does not export. Package nursery fills in the hooks when it is
// initialized, which is before any package that imports it can call them.
package nurseryhook

import "context"

// GoIndexed starts task(ctx, i) in n, a *nursery.Nursery, as n.Go starts a
// task. One task value serves every index, so that a caller that starts a
// task per element of a slice allocates no closure per element.
var GoIndexed func(n any, task func(ctx context.Context, i int) error, i int)
