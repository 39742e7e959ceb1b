// Package taskgroup is a stub of github.com/scoped-go/scoped/taskgroup
// with its API, for the analyzers' tests.
package taskgroup

import (
	"context"
	"iter"
)

type Group struct{}

func WithContext(ctx context.Context) (*Group, context.Context) { return &Group{}, ctx }

func (g *Group) Go(f func() error)         {}
func (g *Group) TryGo(f func() error) bool { return true }
func (g *Group) SetLimit(n int)            {}
func (g *Group) Wait() error               { return nil }

type Option interface{ apply() }

func Map[In, Out any](ctx context.Context, in []In, fn func(context.Context, In) (Out, error), opts ...Option) ([]Out, error) {
	return nil, nil
}

func ForEach[In any](ctx context.Context, in []In, fn func(context.Context, In) error, opts ...Option) error {
	return nil
}

func Stream[In, Out any](ctx context.Context, in iter.Seq[In], fn func(context.Context, In) (Out, error), opts ...Option) iter.Seq2[Out, error] {
	return nil
}

func All[T any](ctx context.Context, tasks ...func(context.Context) (T, error)) ([]T, error) {
	return nil, nil
}
