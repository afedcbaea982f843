// Package sandbox embeds the repository files the tool needs at run time,
// so the sandbox binary works from any directory: the interception chart and
// the default kind cluster configuration. The library lives in ./sandbox.
package sandbox

import (
	"embed"
	"io/fs"
)

//go:embed kind-config.yaml all:charts/cilium-tls-intercept
var files embed.FS

// KindConfig returns the default kind cluster configuration (kind-config.yaml).
func KindConfig() []byte {
	b, err := files.ReadFile("kind-config.yaml")
	if err != nil {
		panic(err) // embedded at build time; cannot fail
	}
	return b
}

// InterceptChart returns the cilium-tls-intercept chart as a file system
// rooted at the chart directory.
func InterceptChart() fs.FS {
	sub, err := fs.Sub(files, "charts/cilium-tls-intercept")
	if err != nil {
		panic(err) // embedded at build time; cannot fail
	}
	return sub
}
