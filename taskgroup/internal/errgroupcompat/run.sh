#!/usr/bin/env bash
# Runs errgroup's own tests and examples against taskgroup.Group.
#
# The test files come from the module cache, at the golang.org/x/sync
# version go.mod pins; they are read here and never committed. Each is
# copied into a temporary package inside this module, with its import of
# errgroup replaced by taskgroup under the name errgroup, and run with the
# race detector. The temporary package holds one more file that declares
# Group as an alias of taskgroup.Group, so that the examples' names
# (ExampleGroup_...) refer to a type of the package they test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"

version=$(go list -m -f '{{.Version}}' golang.org/x/sync)
dir=$(go mod download -json "golang.org/x/sync@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
files=(errgroup_test.go errgroup_example_md5all_test.go)
for f in "${files[@]}"; do
	if [ ! -f "$dir/errgroup/$f" ]; then
		echo "errgroupcompat: $dir/errgroup/$f is missing (golang.org/x/sync $version)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "$here/tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/alias.go" <<'GO'
// Package errgroup stands in for golang.org/x/sync/errgroup while its tests
// run against taskgroup.Group.
package errgroup

import "github.com/scoped-go/scoped/taskgroup"

type Group = taskgroup.Group
GO
for f in "${files[@]}"; do
	src="$dir/errgroup/$f"
	if ! grep -q '^	"golang.org/x/sync/errgroup"$' "$src"; then
		echo "errgroupcompat: $f does not import golang.org/x/sync/errgroup as expected" >&2
		exit 1
	fi
	sed -e 's#^	"golang.org/x/sync/errgroup"$#	errgroup "github.com/scoped-go/scoped/taskgroup"#' "$src" >"$tmp/$f"
done

echo "errgroupcompat: running errgroup $version tests against taskgroup.Group"
out="$tmp/test.out"
status=0
go test -race -count=1 -v -bench . -benchtime=1x "./${tmp#"$root"/}" >"$out" 2>&1 || status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
	echo "errgroupcompat: FAIL" >&2
	exit "$status"
fi
# Every test, and every example with an output to check, must have passed:
# the names are read from the copied files themselves.
expected=$(awk '
	/^func (Test|Example)[A-Za-z0-9_]*\(/ { name = $2; sub(/\(.*/, "", name); if (name ~ /^Test/) print name }
	/^[[:space:]]*\/\/ Output:/ { if (name ~ /^Example/) print name }
' "$tmp"/*_test.go | sort -u)
if [ -z "$expected" ]; then
	echo "errgroupcompat: found no tests in the copied files" >&2
	exit 1
fi
passed=0
for name in $expected; do
	if ! grep -q -- "^--- PASS: $name " "$out"; then
		echo "errgroupcompat: $name did not pass" >&2
		exit 1
	fi
	passed=$((passed + 1))
done
echo "errgroupcompat: $passed passed, 0 failed"
