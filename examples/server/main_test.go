package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

// childEnv makes the test binary run main, for the signal test.
const childEnv = "SERVER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	goleak.VerifyTestMain(m)
}

// server is run started in the background for a test.
type server struct {
	addr    string
	logs    *syncWriter
	started chan string // the path of each /work request, as it starts
	done    chan error  // run's result
	stop    func()      // cancels run's context
}

func start(t *testing.T, grace, budget time.Duration) *server {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	s := &server{logs: new(syncWriter), started: make(chan string, 10), done: make(chan error, 1), stop: stop}
	ready := make(chan net.Addr, 1)
	cfg := config{
		Grace:  grace,
		Budget: budget,
		Flush:  time.Hour,
		Log:    log.New(s.logs, "", 0),
		Ready:  func(a net.Addr) { ready <- a },
		onWork: func(r *http.Request) { s.started <- r.URL.RequestURI() },
	}
	go func() { s.done <- run(ctx, "127.0.0.1:0", cfg) }()
	select {
	case a := <-ready:
		s.addr = a.String()
	case err := <-s.done:
		t.Fatalf("run() = %v before it was ready", err)
	}
	t.Cleanup(func() {
		stop()
		select {
		case <-s.done:
		default:
		}
	})
	return s
}

// get sends a GET for path and returns the status and the body.
func get(addr, path string) (int, string, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

type response struct {
	code int
	body string
	err  error
}

func getAsync(addr, path string) <-chan response {
	ch := make(chan response, 1)
	go func() {
		code, body, err := get(addr, path)
		ch <- response{code, body, err}
	}()
	return ch
}

// refused waits until a new connection to addr is refused. Nothing signals
// when the listener closes, so it tries every 5ms, until a few seconds
// before the test's deadline at most.
func refused(t *testing.T, addr string) bool {
	t.Helper()
	end := time.Now().Add(time.Minute)
	if d, ok := t.Deadline(); ok {
		end = d.Add(-5 * time.Second)
	}
	for ; time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
	}
	return false
}

func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
		return nil
	}
}

// TestGracefulShutdown: once run's context is done, new connections are
// refused, the request in flight finishes and gets its answer, and run
// returns nil after flushing the metrics.
func TestGracefulShutdown(t *testing.T) {
	s := start(t, 5*time.Second, 5*time.Second)

	if code, body, err := get(s.addr, "/hello"); err != nil || code != 200 || body != "hello\n" {
		t.Fatalf("GET /hello = %d %q, %v; want 200 \"hello\\n\"", code, body, err)
	}
	slow := getAsync(s.addr, "/work?d=300ms")
	<-s.started // the slow request is in flight
	s.stop()

	if !refused(t, s.addr) {
		t.Error("new connections are still accepted after shutdown began")
	}
	r := <-slow
	if r.err != nil || r.code != 200 || r.body != "users:ok orders:ok stock:ok\n" {
		t.Errorf("in-flight GET /work = %d %q, %v; want 200 with every backend", r.code, r.body, r.err)
	}
	if err := wait(t, s.done); err != nil {
		t.Errorf("run() = %v, want nil after a clean shutdown", err)
	}
	if !strings.Contains(s.logs.String(), "metrics: requests=2 timeouts=0 failures=0") {
		t.Errorf("the last metrics flush is missing from the logs:\n%s", s.logs)
	}
}

// TestGraceRunsOut: a request still running when the grace period ends is
// cut off, and run reports that the grace period ran out.
func TestGraceRunsOut(t *testing.T) {
	s := start(t, 100*time.Millisecond, time.Minute)
	slow := getAsync(s.addr, "/work?d=30s")
	<-s.started
	begun := time.Now()
	s.stop()

	err := wait(t, s.done)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("run() = %v, want the grace period's end (DeadlineExceeded)", err)
	}
	if took := time.Since(begun); took > 5*time.Second {
		t.Errorf("run took %v to cut off a 30s request with a 100ms grace", took)
	}
	if r := <-slow; r.err == nil && r.code == 200 {
		t.Errorf("the cut-off request succeeded: %d %q", r.code, r.body)
	}
}

// TestBudget: a request whose backends outlast its budget gets a 504,
// written in the part of the budget that timeout.Reserve kept. The handler
// runs in a synctest bubble, so the budget and the reserve are exact
// instants of virtual time.
func TestBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m metrics
		logs := new(syncWriter)
		cfg := config{Budget: 200 * time.Millisecond, Log: log.New(logs, "", 0)}
		rec := httptest.NewRecorder()
		begun := time.Now()
		handler(&m, cfg).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/work?d=10s", nil))
		if took, want := time.Since(begun), cfg.Budget-reserve; took != want {
			t.Errorf("the 504 was written after %v, want %v: when the work's part of the budget ran out", took, want)
		}
		if code := rec.Result().StatusCode; code != http.StatusGatewayTimeout {
			t.Errorf("GET /work?d=10s = %d %q; want 504", code, rec.Body.String())
		}
		m.flush(cfg.Log)
		if !strings.Contains(logs.String(), "metrics: requests=1 timeouts=1 failures=0") {
			t.Errorf("the timeout is not counted:\n%s", logs)
		}
	})
}

// TestListenError: an address that cannot be bound fails StartValue, and
// run returns the error at once.
func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := config{Grace: time.Second, Budget: time.Second, Flush: time.Hour, Log: log.New(io.Discard, "", 0)}
	if err := run(context.Background(), ln.Addr().String(), cfg); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("run() on a bound address = %v, want a listen error", err)
	}
}

// TestSIGTERM runs main in a child process, sends it SIGTERM while a
// request is in flight, and checks that the request finishes and the
// process exits 0 after refusing new connections.
func TestSIGTERM(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-addr", "127.0.0.1:0", "-grace", "5s")
	cmd.Env = append(os.Environ(), childEnv+"=1", "GORACE=atexit_sleep_ms=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncWriter
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Kill() // if the test failed before the child exited
		<-exited
	}()

	// main prints the address once the listener is bound, which is after
	// signal.NotifyContext has registered for SIGTERM.
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("child's first line = %q, %v; stderr:\n%s", line, err, stderr.String())
	}
	slow := getAsync(addr, "/work?d=500ms")
	select {
	case <-stderr.written("GET /work"): // the request is in flight
	case err := <-exited:
		exited <- err // for the deferred receive
		t.Fatalf("child exited with %v before the request reached it; stderr:\n%s", err, stderr.String())
	}
	if err := syscall.Kill(cmd.Process.Pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !refused(t, addr) {
		t.Error("new connections are still accepted after SIGTERM")
	}
	if r := <-slow; r.err != nil || r.code != 200 {
		t.Errorf("in-flight GET /work = %d %q, %v; want 200", r.code, r.body, r.err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("child exited with %v; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("child did not exit after SIGTERM; stderr:\n%s", stderr.String())
	}
	exited <- nil // for the deferred receive
	if !strings.Contains(stderr.String(), "metrics: requests=1") {
		t.Errorf("the last metrics flush is missing; stderr:\n%s", stderr.String())
	}
}
