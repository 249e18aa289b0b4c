// Package web holds the static assets served by the binary: vendored htmx,
// the style sheet and the little JavaScript that the pages need. Nothing is
// loaded from a CDN. internal/platform/web serves these files under
// content-hash URLs.
package web

import "embed"

// Static holds the files under static/, with paths starting "static/".
//
//go:embed static
var Static embed.FS
