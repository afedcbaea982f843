package intercept

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ValuesCase is a values file of fixtures/values: valid for every supported
// Cilium minor, or for SinceMinor and newer when it sits in since-1.N/.
type ValuesCase struct {
	// Name is the file's path relative to the fixtures directory, without .yaml.
	Name string
	// Path is the file's path.
	Path string
	// SinceMinor is the oldest Cilium 1.x minor the case renders for.
	SinceMinor int
}

// Supports reports whether the case renders for Cilium release v.
func (c ValuesCase) Supports(v versions.Cilium) bool { return v.AtLeast(c.SinceMinor) }

// ValuesCases lists the values cases under dir (fixtures/values): every
// *.yaml at the top, and those of since-1.N subdirectories, sorted by name.
func ValuesCases(dir string) ([]ValuesCase, error) {
	var cases []ValuesCase
	top, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list values cases: %w", err)
	}
	for _, p := range top {
		cases = append(cases, ValuesCase{Name: caseName(dir, p), Path: p, SinceMinor: versions.OldestMinor})
	}
	gated, err := filepath.Glob(filepath.Join(dir, "since-1.*", "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list values cases: %w", err)
	}
	for _, p := range gated {
		sub := filepath.Base(filepath.Dir(p))
		minor, err := strconv.Atoi(strings.TrimPrefix(sub, "since-1."))
		if err != nil {
			return nil, fmt.Errorf("values case directory %s: want since-1.N", filepath.Dir(p))
		}
		cases = append(cases, ValuesCase{Name: caseName(dir, p), Path: p, SinceMinor: minor})
	}
	if len(cases) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("list values cases: %w", err)
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

func caseName(dir, p string) string {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		rel = filepath.Base(p)
	}
	return strings.TrimSuffix(filepath.ToSlash(rel), ".yaml")
}
