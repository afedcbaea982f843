// Command gencrds refreshes sandbox/crds/files from the module cache:
// cert-manager's deploy/crds and trust-manager's Bundle CRD chart template
// (Helm template actions removed), at the versions in sandbox/versions.
//
// Run it with `go generate ./sandbox/crds` after bumping a version.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cilium-tls-intercept/sandbox/cmd/gencrds/source"
)

func main() {
	out := flag.String("out", "files", "directory the CRD copies are written to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gencrds:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	for _, f := range source.Files() {
		dir, err := source.ModuleDir(f.Module, f.Version)
		if err != nil {
			return fmt.Errorf("%w (run: go mod download %s@%s)", err, f.Module, f.Version)
		}
		data, err := source.Expected(f, dir)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, filepath.FromSlash(f.To))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
