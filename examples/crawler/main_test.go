package main

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// crawlSite crawls a fresh site of n pages and returns the printed summary.
func crawlSite(t *testing.T, n int, cfg config) string {
	t.Helper()
	site := httptest.NewServer(newSite(n))
	defer site.Close()
	s, err := crawl(context.Background(), site.Client(), site.URL+"/", cfg)
	if err != nil {
		t.Fatalf("crawl() = %v", err)
	}
	var out strings.Builder
	s.print(&out)
	return out.String()
}

// TestCrawl: every reachable page is fetched once; the 500s and the slow
// pages are reported, and the links of a page that failed are not followed.
func TestCrawl(t *testing.T) {
	got := crawlSite(t, 60, config{Limit: 8, PerFetch: 500 * time.Millisecond, Budget: time.Minute, Progress: io.Discard})
	want := `crawled 41 pages, 3 errors, 4 timeouts
  error    /p/7
  error    /p/40
  error    /p/51
  timeout  /p/5
  timeout  /p/18
  timeout  /p/31
  timeout  /p/57
`
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}

// TestBudget: when the crawl's budget runs out while a slow page is being
// fetched, the crawl stops there with what it has: the pages of the levels
// before, and the fast pages of the level it was in.
func TestBudget(t *testing.T) {
	got := crawlSite(t, 60, config{Limit: 8, PerFetch: time.Minute, Budget: time.Second, Progress: io.Discard})
	want := `crawled 12 pages, 0 errors, 0 timeouts
the time budget ran out; 1 fetches were cut off
`
	if got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}
