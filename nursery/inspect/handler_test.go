package inspect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scoped-go/scoped/nursery"
	"github.com/scoped-go/scoped/nursery/inspect"
)

// get serves one request to the handler and returns the response body.
func get(t *testing.T, target string, header map[string]string) (string, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	inspect.Handler().ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return string(body), rec.Result().Header.Get("Content-Type")
}

func TestHandler(t *testing.T) {
	stop := inspect.Track()
	defer stop()

	ready := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		done <- nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			n.Go(nursery.Named("poller", func(ctx context.Context) error {
				close(ready)
				<-release
				return nil
			}))
			<-release // the body stays in the tree until the end
			return nil
		}, nursery.Name("service"))
	}()
	<-ready

	text, ctype := get(t, "/debug/nurseries", nil)
	if ctype != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/plain", ctype)
	}
	for _, want := range []string{`nursery "service"`, "poller", "running", "inspect/handler_test.go:"} {
		if !strings.Contains(text, want) {
			t.Errorf("text dump lacks %q:\n%s", want, text)
		}
	}

	for _, h := range []struct {
		name   string
		target string
		header map[string]string
	}{
		{"query", "/debug/nurseries?format=json", nil},
		{"accept", "/debug/nurseries", map[string]string{"Accept": "application/json"}},
	} {
		t.Run(h.name, func(t *testing.T) {
			body, ctype := get(t, h.target, h.header)
			if ctype != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ctype)
			}
			var scopes []inspect.Scope
			if err := json.Unmarshal([]byte(body), &scopes); err != nil {
				t.Fatalf("json.Unmarshal: %v\n%s", err, body)
			}
			if got := summary(scopes); got != "service[body:running go/poller:running]" {
				t.Errorf("JSON tree = %s, want service[body:running go/poller:running]", got)
			}
		})
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	if text, _ := get(t, "/", nil); text != "no open nurseries\n" {
		t.Errorf("dump after Run = %q, want no open nurseries", text)
	}
}

func summary(scopes []inspect.Scope) string {
	var parts []string
	for _, s := range scopes {
		var tasks []string
		for _, tk := range s.Tasks {
			name := tk.Kind
			if tk.Name != "" {
				name += "/" + tk.Name
			}
			tasks = append(tasks, name+":"+tk.State)
		}
		parts = append(parts, fmt.Sprintf("%s[%s]", s.Name, strings.Join(tasks, " ")))
	}
	return strings.Join(parts, " ")
}
