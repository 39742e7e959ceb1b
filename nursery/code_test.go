package nursery

import (
	"context"
	"reflect"
	"testing"
)

type codeRecv struct{ n int }

func (r *codeRecv) task(context.Context) error { r.n++; return nil }

func plainTask(context.Context) error { return nil }

// codeOf reads what reflect.Value.Pointer reads, for every kind of func
// value a task can be: a top-level function, closures with and without
// captured variables, a method value and tasks made by Named; and nameOf
// tells Named's tasks from all others by it.
func TestCodeOf(t *testing.T) {
	k := 3
	r := &codeRecv{}
	for _, c := range []struct {
		name  string
		f     func(context.Context) error
		named string
	}{
		{"function", plainTask, ""},
		{"closure", func(context.Context) error { return nil }, ""},
		{"capturing closure", func(context.Context) error { k++; return nil }, ""},
		{"method value", r.task, ""},
		{"Named", Named("n", plainTask), "n"},
		{"Named capturing closure", Named("m", func(context.Context) error { k--; return nil }), "m"},
	} {
		if got, want := codeOf(c.f), reflect.ValueOf(c.f).Pointer(); got != want {
			t.Errorf("%s: codeOf = %#x, reflect.Value.Pointer = %#x", c.name, got, want)
		}
		if got := nameOf(c.f); got != c.named {
			t.Errorf("%s: nameOf = %q, want %q", c.name, got, c.named)
		}
	}
}
