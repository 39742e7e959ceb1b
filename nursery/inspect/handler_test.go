package inspect_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

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

// TestHandlerMethods checks that the handler answers GET and HEAD only.
func TestHandlerMethods(t *testing.T) {
	for _, tt := range []struct {
		method string
		want   int
	}{
		{http.MethodGet, http.StatusOK},
		{http.MethodHead, http.StatusOK},
		{http.MethodPost, http.StatusMethodNotAllowed},
		{http.MethodPut, http.StatusMethodNotAllowed},
		{http.MethodDelete, http.StatusMethodNotAllowed},
	} {
		rec := httptest.NewRecorder()
		inspect.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, "/debug/nurseries", nil))
		if rec.Code != tt.want {
			t.Errorf("%s: status %d, want %d", tt.method, rec.Code, tt.want)
		}
		if tt.want == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: Allow = %q, want %q", tt.method, rec.Header().Get("Allow"), "GET, HEAD")
		}
	}
}

// TestHandlerPage checks the page a browser gets: a whole HTML document
// with the tree (scopes collapsible, states as classes, the cause on
// hover), escaped, and refreshing itself from the fragment it serves.
func TestHandlerPage(t *testing.T) {
	stop := inspect.Track()
	defer stop()
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{}) // the tasks stay, canceled, until released
		_ = nursery.Run(context.Background(), func(ctx context.Context, n *nursery.Nursery) error {
			defer close(release)
			n.Go(nursery.Named("<poller>", func(ctx context.Context) error { <-release; return nil }))
			n.Go(func(ctx context.Context) error {
				return nursery.Run(ctx, func(ctx context.Context, n *nursery.Nursery) error {
					n.Go(nursery.Named("reader", func(ctx context.Context) error { <-release; return nil }))
					return nil
				}, nursery.Name("conn"))
			})
			time.Sleep(5 * time.Second)
			n.Cancel(errors.New(`shutting "down" <now>`))
			synctest.Wait()

			page, ctype := get(t, "/debug/nurseries", map[string]string{"Accept": "text/html,application/xhtml+xml"})
			if ctype != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want text/html", ctype)
			}
			for _, want := range []string{
				"<!DOCTYPE html>",
				`<details open data-key="0@inspect/handler_test.go:`,
				`nursery <span class="name">service-page</span>`,
				`<span class="state canceled" title="shutting &#34;down&#34; &lt;now&gt;">canceled</span>`,
				`<span class="name">&lt;poller&gt;</span>`, // escaped
				`<span class="age">5s</span>`,
				`nursery <span class="name">conn</span>`, // the nested scope
				`setInterval(`,
				`?format=html&fragment=1`,
				"</html>",
			} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q:\n%s", want, page)
				}
			}
			if strings.Contains(page, "<poller>") {
				t.Errorf("page has the task name unescaped:\n%s", page)
			}
			if strings.Count(page, "<details") != strings.Count(page, "</details>") || strings.Count(page, "<li>") != strings.Count(page, "</li>") {
				t.Errorf("page has unbalanced elements:\n%s", page)
			}

			frag, _ := get(t, "/debug/nurseries?format=html&fragment=1", nil)
			if strings.Contains(frag, "<html") || !strings.Contains(frag, `nursery <span class="name">service-page</span>`) {
				t.Errorf("fragment = %s, want the tree alone", frag)
			}
			return nil
		}, nursery.Name("service-page"))
	})
}
