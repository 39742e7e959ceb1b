// Package doccheck holds the tests that keep scoped's documentation honest:
// every exported identifier of the public packages has a doc comment and is
// shown in a runnable Example, every relative link and #anchor in README.md
// and docs/*.md resolves, and the Go code blocks of the guides type-check
// against the real API. It has no code of its own; run it with go test.
package doccheck
