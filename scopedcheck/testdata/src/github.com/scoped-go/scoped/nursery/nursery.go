// Package nursery is a stub of github.com/scoped-go/scoped/nursery with
// its API, for the analyzers' tests.
package nursery

import "context"

type Nursery struct{}

type Option interface{ apply() }

func Run(ctx context.Context, body func(ctx context.Context, n *Nursery) error, opts ...Option) error {
	return nil
}

func (n *Nursery) Go(task func(ctx context.Context) error)                        {}
func (n *Nursery) TryGo(task func(ctx context.Context) error) bool                { return true }
func (n *Nursery) Background(task func(ctx context.Context) error)                {}
func (n *Nursery) Start(task func(ctx context.Context, ready func()) error) error { return nil }
func (n *Nursery) Cancel(cause error)                                             {}

type Future[T any] struct{}

func Spawn[T any](n *Nursery, task func(ctx context.Context) (T, error)) *Future[T] { return nil }
