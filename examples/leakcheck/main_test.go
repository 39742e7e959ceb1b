package main

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		if err := run(context.Background(), &out); err != nil {
			t.Fatalf("run() = %v", err)
		}
		want := "GOOG 101.25 (the first of three sources to answer; the others were canceled)\n"
		if got := out.String(); got != want {
			t.Errorf("output = %q, want %q", got, want)
		}
	})
}
