package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/server/temporaltest"
	"go.uber.org/goleak"
)

// serverEnv, set in the environment of this test binary, makes it serve a
// Temporal server instead of running the tests.
const serverEnv = "FANOUT_TEST_SERVE"

// TestMain runs the tests under goleak, or, started by startServer, serves
// the Temporal server they use. The server runs in its own process because
// it does not stop every goroutine it starts (its own SDK workers, ringpop
// timers, metrics reporters, its database's connection opener): in the
// test process goleak would have to ignore them, and could then miss a
// goroutine of the SDK's client or worker, or of durable, that outlived
// its test. In this process, only those are left to check.
func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		serve()
		return
	}
	goleak.VerifyTestMain(m)
}

// serve starts an in-memory Temporal server, prints its address and
// namespace on one line of stdout, and stops it when stdin closes.
func serve() {
	srv := temporaltest.NewServer(temporaltest.WithBaseClientOptions(client.Options{Logger: discard()}))
	fmt.Println(srv.GetFrontendHostPort(), srv.GetDefaultNamespace())
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Stop()
}

// startServer starts a Temporal server in a child process and returns its
// address and namespace. The server stops when the test ends.
func startServer(t testing.TB) (address, namespace string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("the server process: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the server process did not say where it listens: %v", err)
	}
	address, namespace, ok := strings.Cut(strings.TrimSpace(line), " ")
	if !ok {
		t.Fatalf("the server process said %q, want an address and a namespace", line)
	}
	return address, namespace
}

// connect starts a Temporal server in a child process (see startServer)
// and returns a client of it, closed when the test ends.
func connect(t testing.TB) client.Client {
	t.Helper()
	address, namespace := startServer(t)
	c, err := client.Dial(client.Options{HostPort: address, Namespace: namespace, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// discard is a logger for the SDK that drops everything.
func discard() tlog.Logger {
	return tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))
}
