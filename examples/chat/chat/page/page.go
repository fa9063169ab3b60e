package page

import (
	"embed"
	"net/http"
)

//go:embed index.html static
var files embed.FS

// policy lets the page load only its own script, style and connections:
// even a markup bug could not run a posted script.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the page: index.html at "/" and the files of static/
// under "/static/".
func Handler() http.Handler {
	fs := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", policy)
		w.Header().Set("Cache-Control", "no-cache")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, files, "index.html")
			return
		}
		fs.ServeHTTP(w, r)
	})
}
