// Package nurseryhttp serves the live task tree of a program's nurseries
// over HTTP, for mounting next to net/http/pprof:
//
//	nursery.Track(true) // or run with SCOPED_TRACK=1
//	http.Handle("/debug/nurseries", nurseryhttp.Handler())
//
// It is a package of its own so that programs that do not serve it do not
// link net/http through the nursery package.
package nurseryhttp

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/scoped-go/scoped/nursery"
)

// Handler returns a handler that serves [nursery.Snapshot]: as indented
// text (see [nursery.WriteTree]) by default, and as JSON when the request
// has the query parameter format=json or accepts application/json. Only
// nurseries opened while tracking was on appear (see [nursery.Track]).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			_ = enc.Encode(nursery.Snapshot()) // a failed write has no one to tell
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = nursery.WriteTree(w)
	})
}
