// Package source says where the embedded CRD copies come from: which module,
// which file, and how Helm templating is stripped. The generator and the
// freshness test share it, so they cannot disagree.
package source

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// File is one CRD copied from a module into sandbox/crds/files.
type File struct {
	// Module and Version name the module the file comes from.
	Module, Version string
	// From is the file's path inside the module.
	From string
	// To is the copy's path relative to sandbox/crds/files.
	To string
	// StripTemplating removes Helm template actions (the file is a chart template).
	StripTemplating bool
}

// Files lists every copied CRD. cert-manager's come from deploy/crds;
// trust-manager's Bundle CRD only ships as a chart template.
func Files() []File {
	var out []File
	for _, name := range []string{
		"acme.cert-manager.io_challenges.yaml",
		"acme.cert-manager.io_orders.yaml",
		"cert-manager.io_certificaterequests.yaml",
		"cert-manager.io_certificates.yaml",
		"cert-manager.io_clusterissuers.yaml",
		"cert-manager.io_issuers.yaml",
	} {
		out = append(out, File{
			Module: "github.com/cert-manager/cert-manager", Version: versions.CertManager,
			From: "deploy/crds/" + name, To: "cert-manager/" + name,
		})
	}
	return append(out, File{
		Module: "github.com/cert-manager/trust-manager", Version: versions.TrustManager,
		From:            "deploy/charts/trust-manager/templates/crd-trust.cert-manager.io_bundles.yaml",
		To:              "trust-manager/trust.cert-manager.io_bundles.yaml",
		StripTemplating: true,
	})
}

// Header is prepended to every stripped chart template, naming its source.
func Header(f File) []byte {
	return fmt.Appendf(nil, "# Source: %s@%s %s (Apache-2.0), Helm template actions removed.\n", f.Module, f.Version, f.From)
}

// StripTemplating removes the lines that hold only a Helm template action
// ({{- if ... }}, {{- end }}, {{- include ... }}). What is left is the CRD as
// the chart renders it with its default values, minus the chart's labels.
func StripTemplating(data []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		t := strings.TrimSpace(string(line))
		if strings.HasPrefix(t, "{{") && strings.HasSuffix(t, "}}") {
			continue
		}
		if strings.Contains(t, "{{") {
			// A template action inside a line cannot be stripped safely.
			out.WriteString("# UNSTRIPPED TEMPLATE: ")
		}
		out.Write(line)
	}
	return out.Bytes()
}

// Expected returns the bytes the copy of f must hold, read from the module
// directory modDir.
func Expected(f File, modDir string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(modDir, filepath.FromSlash(f.From)))
	if err != nil {
		return nil, err
	}
	if !f.StripTemplating {
		return data, nil
	}
	return append(Header(f), StripTemplating(data)...), nil
}

// ModuleDir returns where module@version is extracted in the module cache,
// or an error when it is not there.
func ModuleDir(mod, version string) (string, error) {
	cache, err := modCache()
	if err != nil {
		return "", err
	}
	esc, err := module.EscapePath(mod)
	if err != nil {
		return "", fmt.Errorf("module path %q: %w", mod, err)
	}
	dir := filepath.Join(cache, esc+"@"+version)
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("module %s@%s is not in the module cache %s: %w", mod, version, cache, err)
	}
	return dir, nil
}

// modCache returns `go env GOMODCACHE`.
func modCache() (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command("go", "env", "GOMODCACHE")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w: %s", err, errb.String())
	}
	dir := strings.TrimSpace(out.String())
	if dir == "" {
		return "", fmt.Errorf("go env GOMODCACHE is empty")
	}
	return dir, nil
}
