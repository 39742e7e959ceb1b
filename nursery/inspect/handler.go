package inspect

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler returns a handler that serves the live tree of [Snapshot]: as
// indented text (see [WriteTree]) by default; as JSON when the request has
// the query parameter format=json or accepts application/json; and as a
// page for a browser when it accepts text/html: the tree with collapsible
// scopes, each task's state and age at a glance, cancellation causes on
// hover, refreshing itself every two seconds. Only nurseries opened while
// tracking was on appear (see [Track]). It answers GET and HEAD only.
//
// The tree shows task names, the files and lines of the program that
// opened scopes and started tasks, and the text of cancellation causes,
// which can carry request data. Serve it only where net/http/pprof is
// served: on an admin listener, never to the public.
//
//	stop := inspect.Track()
//	defer stop()
//	adminMux.Handle("/debug/nurseries", inspect.Handler())
func Handler() http.Handler {
	return http.HandlerFunc(serveTree)
}

func serveTree(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "inspect: only GET and HEAD are served", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	q, accept := r.URL.Query(), r.Header.Get("Accept")
	switch {
	case q.Get("format") == "json" || strings.Contains(accept, "application/json"):
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(Snapshot()) // a failed write has no one to tell
	case q.Get("format") == "html" || strings.Contains(accept, "text/html"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		name := "page"
		if q.Get("fragment") != "" {
			name = "tree" // what the page's script fetches to refresh itself
		}
		_ = page.ExecuteTemplate(w, name, newPageData(Snapshot()))
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_ = WriteTree(w)
	}
}

// pageData is what the page template renders.
type pageData struct {
	Scopes []pageScope
	Now    string
}

type pageScope struct {
	Scope
	Key      string // stable across refreshes, so that a collapsed scope stays collapsed
	Age      string
	Tasks    []pageTask
	Canceled bool
}

type pageTask struct {
	Task
	Age    string
	Cause  string // the scope's cancellation cause, for the state's hover text
	Scopes []pageScope
}

func newPageData(scopes []Scope) pageData {
	return pageData{Scopes: pageScopes(scopes, ""), Now: time.Now().Format(time.TimeOnly)}
}

func pageScopes(scopes []Scope, prefix string) []pageScope {
	out := make([]pageScope, 0, len(scopes))
	for i, s := range scopes {
		ps := pageScope{Scope: s, Key: prefix + strconv.Itoa(i) + "@" + s.Site, Age: age(s.Age), Canceled: s.Canceled}
		for j, t := range s.Tasks {
			pt := pageTask{Task: t, Age: age(t.Age)}
			if s.Canceled {
				pt.Cause = "canceled: " + s.Cause
			}
			pt.Scopes = pageScopes(t.Scopes, ps.Key+"/"+strconv.Itoa(j)+".")
			ps.Tasks = append(ps.Tasks, pt)
		}
		out = append(out, ps)
	}
	return out
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nurseries</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.2em; margin: 0 0 .2em; }
.meta { color: #666; margin-bottom: 1em; }
details { margin-left: 1.2em; }
summary { cursor: pointer; }
ul { list-style: none; margin: .2em 0 .4em 1.2em; padding: 0; }
li { margin: .1em 0; }
.site, .age { font-family: ui-monospace, monospace; color: #555; }
.kind { display: inline-block; min-width: 6.5em; font-family: ui-monospace, monospace; }
.name { font-weight: 600; }
.state { display: inline-block; min-width: 5.5em; text-align: center; border-radius: 3px; padding: 0 .4em; color: #fff; font-size: .85em; }
.running { background: #2e7d32; }
.waiting { background: #78909c; }
.canceled { background: #e65100; cursor: help; }
</style>
</head>
<body>
<h1>nurseries</h1>
<div class="meta">live task tree, refreshed every 2s; hover a canceled state for its cause</div>
<div id="tree">{{template "tree" .}}</div>
<script>
// Refresh the tree in place, keeping collapsed scopes collapsed.
setInterval(async () => {
  const closed = new Set([...document.querySelectorAll("details:not([open])")].map(d => d.dataset.key));
  const r = await fetch(location.pathname + "?format=html&fragment=1", {headers: {Accept: "text/html"}});
  if (!r.ok) return;
  document.getElementById("tree").innerHTML = await r.text();
  document.querySelectorAll("details").forEach(d => { if (closed.has(d.dataset.key)) d.open = false; });
}, 2000);
</script>
</body>
</html>
{{define "tree"}}<div class="meta">as of {{.Now}}</div>
{{- if not .Scopes}}<p>no open nurseries (is tracking on? see inspect.Track)</p>{{end}}
{{- range .Scopes}}{{template "scope" .}}{{end}}{{end}}
{{define "scope"}}<details open data-key="{{.Key}}"><summary>
{{- if .Name}}nursery <span class="name">{{.Name}}</span>{{else}}nursery{{end}}
 <span class="site">{{.Site}}</span> <span class="age">{{.Age}}</span>
{{- if .Canceled}} <span class="state canceled" title="{{.Cause}}">canceled</span>{{end}}</summary>
<ul>{{range .Tasks}}<li><span class="kind">{{.Kind}}</span> <span class="state {{.State}}"{{if .Cause}} title="{{.Cause}}"{{end}}>{{.State}}</span> <span class="name">{{if .Name}}{{.Name}}{{else}}-{{end}}</span> <span class="age">{{.Age}}</span> <span class="site">{{.Site}}</span>
{{- range .Scopes}}{{template "scope" .}}{{end}}</li>
{{end}}</ul></details>
{{end}}`))
