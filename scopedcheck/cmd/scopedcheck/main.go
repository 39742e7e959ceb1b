// Command scopedcheck runs the analyzers of package scopedcheck: groupctx,
// goafterwait, lostwait, nurseryescape, barego and migrate.
//
// Run it on packages directly, with -fix to apply the suggested fixes or
// -json for machine-readable output:
//
//	scopedcheck ./...
//	scopedcheck -fix ./...
//
// or as go vet's analysis tool:
//
//	go vet -vettool=$(which scopedcheck) ./...
//
// Each analyzer can be turned off with -NAME=false (for example
// -migrate=false), or run alone with -NAME.
package main

import (
	"github.com/scoped-go/scoped/scopedcheck"
	"golang.org/x/tools/go/analysis/multichecker"
)

func main() { multichecker.Main(scopedcheck.Analyzers...) }
