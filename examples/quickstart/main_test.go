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
		want := `inventory canceled: orders: 503 service unavailable
orders    failed: 503 service unavailable
search    canceled: orders: 503 service unavailable
users     answered
Run returned after every request ended (30ms, not the 5s of the slowest):
  orders: 503 service unavailable
`
		if got := out.String(); got != want {
			t.Errorf("output:\n%s\nwant:\n%s", got, want)
		}
	})
}
