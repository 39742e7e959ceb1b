// Package scopedcheck holds static analyzers that extend scoped's guarantee,
// that every goroutine has an owner that waits for it, to code that starts
// goroutines without scoped: errgroup and taskgroup groups, nurseries,
// sync.WaitGroup fan-outs and bare go statements.
//
// Each check is one [golang.org/x/tools/go/analysis.Analyzer]:
//
//   - [GroupCtx] (groupctx): a task of a group with a derived context that
//     uses the outer context instead, so a failure cannot cancel it.
//   - [GoAfterWait] (goafterwait): Go on a WithContext group after its Wait,
//     and the group's context used after Wait.
//   - [LostWait] (lostwait): a group or WaitGroup that starts work on a path
//     that returns without waiting.
//   - [NurseryEscape] (nurseryescape): a *nursery.Nursery that outlives the
//     body it was handed to.
//   - [BareGo] (barego): go statements in packages that opt in with
//     //scoped:strict, and in every package a goroutine that blocks forever
//     on a send nobody receives.
//   - [Migrate] (migrate): errgroup imports to taskgroup, with a fix.
//
// [Analyzers] lists them all. The command scopedcheck/cmd/scopedcheck runs
// them (scopedcheck ./..., or go vet -vettool=$(which scopedcheck) ./...),
// and scopedcheck/gclplugin registers them as a golangci-lint module plugin.
//
// Types are recognized through the type checker, by package path and name
// (golang.org/x/sync/errgroup.Group, github.com/scoped-go/scoped/taskgroup.Group,
// github.com/scoped-go/scoped/nursery.Nursery, sync.WaitGroup), never by
// how a variable or import is spelled. Questions about paths (is there a
// return that skips Wait?) are answered on the control-flow graph of
// golang.org/x/tools/go/cfg, as go vet's lostcancel does.
//
// Two comments steer the checks. A package doc comment carrying the line
//
//	//scoped:strict
//
// makes every go statement in that package a finding of barego, and a line
// ending in
//
//	//scoped:allow go: <reason>
//
// (or preceded by a line that is only that comment) allows the one go
// statement on it. //scoped:allow errgroup: <reason> on an import line keeps
// migrate quiet about a deliberate errgroup import.
package scopedcheck
