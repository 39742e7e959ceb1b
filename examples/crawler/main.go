// Command crawler crawls a generated web site, served on the loopback
// interface by net/http/httptest, with bounded concurrency, a timeout per
// fetch, a time budget for the whole crawl and every URL fetched once.
// Some pages are slow and some answer 500. It prints a progress line on
// stderr and a summary on stdout.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scoped-go/scoped/taskgroup"
	"github.com/scoped-go/scoped/timeout"
)

func main() {
	pages := flag.Int("pages", 200, "how many pages the generated site has")
	limit := flag.Int("limit", 8, "how many fetches may run at once")
	perFetch := flag.Duration("fetch", 300*time.Millisecond, "the time limit of each fetch")
	budget := flag.Duration("budget", 10*time.Second, "the time limit of the whole crawl")
	flag.Parse()

	site := httptest.NewServer(newSite(*pages))
	defer site.Close()

	cfg := config{Limit: *limit, PerFetch: *perFetch, Budget: *budget, Progress: os.Stderr}
	s, err := crawl(context.Background(), site.Client(), site.URL+"/", cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawler:", err)
		os.Exit(1)
	}
	s.print(os.Stdout)
}

// config sets the limits of a crawl.
type config struct {
	Limit    int           // fetches at once
	PerFetch time.Duration // the limit of each fetch
	Budget   time.Duration // the limit of the whole crawl
	Progress io.Writer     // where the progress line goes
}

// summary is what a crawl found.
type summary struct {
	pages      int      // fetched and parsed
	errors     []string // paths that answered an error
	timeouts   []string // paths whose fetch ran out of time
	unfinished int      // fetches cut off when the budget ran out
	expired    bool     // the budget ran out before the crawl was done
}

func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "crawled %d pages, %d errors, %d timeouts\n", s.pages, len(s.errors), len(s.timeouts))
	for _, p := range s.errors {
		fmt.Fprintf(w, "  error    %s\n", p)
	}
	for _, p := range s.timeouts {
		fmt.Fprintf(w, "  timeout  %s\n", p)
	}
	if s.expired {
		fmt.Fprintf(w, "the time budget ran out; %d fetches were cut off\n", s.unfinished)
	}
}

var href = regexp.MustCompile(`href="(/[^"]*)"`)

// crawl visits every page reachable from start, level by level: the pages
// of a level are fetched concurrently, at most cfg.Limit at once, and each
// link is followed once. A page that fails or times out is counted, not
// fatal. When cfg.Budget runs out the crawl moves on with what it has.
func crawl(ctx context.Context, client *http.Client, start string, cfg config) (*summary, error) {
	base := start[:len(start)-len("/")]
	var (
		mu      sync.Mutex // guards s, seen and next
		s       summary
		seen    = map[string]bool{"/": true}
		next    []string
		inLevel int
	)
	progress := func() {
		fmt.Fprintf(cfg.Progress, "\rcrawled %d pages, %d errors, %d timeouts, %d in this level   ",
			s.pages, len(s.errors), len(s.timeouts), inLevel)
	}
	fetchPage := func(ctx context.Context, path string) error {
		body, err := timeout.Value(ctx, cfg.PerFetch, func(ctx context.Context) (string, error) {
			return get(ctx, client, base+path)
		})
		mu.Lock()
		defer mu.Unlock()
		defer progress()
		switch {
		case ctx.Err() != nil:
			s.unfinished++ // the whole crawl's budget ran out
		case errors.Is(err, timeout.ErrTimeout):
			s.timeouts = append(s.timeouts, path)
		case err != nil:
			s.errors = append(s.errors, path)
		default:
			s.pages++
			for _, m := range href.FindAllStringSubmatch(body, -1) {
				if link := m[1]; !seen[link] {
					seen[link] = true
					next = append(next, link)
				}
			}
		}
		return nil // a page's failure is counted, and the crawl goes on
	}

	expired, err := timeout.MoveOn(ctx, cfg.Budget, func(ctx context.Context) error {
		for level := []string{"/"}; len(level) > 0; {
			mu.Lock()
			inLevel, next = len(level), nil
			mu.Unlock()
			if err := taskgroup.ForEach(ctx, level, fetchPage, taskgroup.Limit(cfg.Limit)); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			level = next
		}
		return nil
	})
	fmt.Fprintln(cfg.Progress)
	if err != nil {
		return nil, err
	}
	s.expired = expired
	slices.SortFunc(s.errors, byPage)
	slices.SortFunc(s.timeouts, byPage)
	return &s, nil
}

// byPage orders paths as /p/2 before /p/10.
func byPage(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

// get fetches url and returns its body, or an error for a status other
// than 200.
func get(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// newSite returns a handler for a site of n pages, /p/0 to /p/n-1, and a
// home page / that links to /p/0. Page i links to three others chosen by
// arithmetic, so the site is the same every time. Every 13th page (from
// /p/5) answers only once the request is canceled: a fetch of it times out.
// Every 11th page (from /p/7) answers 500.
func newSite(n int) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<a href="/p/0">start</a>`)
	})
	mux.HandleFunc("GET /p/{i}", func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscan(r.PathValue("i"), &i); err != nil || i < 0 || i >= n {
			http.NotFound(w, r)
			return
		}
		switch {
		case i%13 == 5:
			<-r.Context().Done() // slow: never answers in time
			return
		case i%11 == 7:
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		for _, j := range []int{(2*i + 1) % n, (3*i + 2) % n, (i + 10) % n} {
			fmt.Fprintf(w, "<a href=\"/p/%d\">page %d</a>\n", j, j)
		}
	})
	return mux
}
