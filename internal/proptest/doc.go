// Package proptest checks the guarantees of package nursery and package
// taskgroup on random task trees. It holds only tests: a seeded generator
// of trees of nested scopes (tree_test.go), a model that computes the exact
// outcome of a tree in virtual time (model_test.go), a runner that runs a
// tree against the library and records what every node did (run_test.go),
// and the property and fuzz tests that compare the two (trees_test.go).
//
// See docs/reliability.md for what is checked and how to reproduce a
// failure from its seed.
package proptest
