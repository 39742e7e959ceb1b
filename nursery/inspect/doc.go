// Package inspect shows what a program's nurseries are doing, built on
// nursery's instruments alone (see [nursery.Instrument]).
//
// [Track] records every scope and task from then on, so that [Snapshot]
// and [WriteTree] can show the live tree (scopes, tasks, their kinds,
// names, states, ages and the lines that started them) and [Handler]
// serves it next to net/http/pprof, as text, JSON or a page for a
// browser. [OnStall] reports the tasks that still run a grace period after
// their nursery was canceled: the tasks that ignore their context and keep
// a shutdown waiting.
//
// [Logger] and [RuntimeTrace] are instruments to add with
// [nursery.AddInstrument]: the first logs failures, panics and stalls as
// slog records, the second shows scopes and tasks by name in
// go tool trace.
//
// Everything here is off until turned on, and costs nothing while off.
package inspect
