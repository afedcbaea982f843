package ciliumrun

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"go/build/constraint"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// sources are the helpers' sources and the protocol package they share
// with the sandbox binary.
//
//go:embed all:_helper wire/*.go
var sources embed.FS

// The layout of sources.
const (
	helperDir = "_helper"
	sharedDir = "_helper/shared"
	wireDir   = "wire"
	// goModIn and goSumIn are a minor's go.mod and go.sum for its default patch.
	goModIn = "go.mod.in"
	goSumIn = "go.sum.in"
	// mainModulePath is the sandbox's module, whose package wire a helper
	// imports from a copy holding only that package.
	mainModulePath = "github.com/cilium-tls-intercept/sandbox"
	wirePackage    = "sandbox/ciliumrun/wire"
	// wireModuleDir is where the copy lives inside an assembled helper module.
	wireModuleDir = "wiremod"
)

// Sources returns the embedded sources, for tests that compare them with
// the tree.
func Sources() fs.FS { return sources }

// glueDir is the directory of minor's own glue, "_helper/v1.18", which
// holds its go.mod.in and go.sum.in.
func glueDir(major, minor int) string {
	return path.Join(helperDir, fmt.Sprintf("v%d.%d", major, minor))
}

// glueDirs lists the directories whose Go files a helper of minor is made
// of: the shared ones, every range directory covering the minor
// ("_helper/v1.18-v1.20", glue common to several minors) and the minor's
// own. A file whose API changed within a minor is selected by the
// since_1_M_P build tags (buildTags).
func glueDirs(major, minor int) ([]string, error) {
	if _, err := fs.Stat(sources, glueDir(major, minor)); err != nil {
		return nil, fmt.Errorf("no helper glue for Cilium %d.%d in this sandbox binary", major, minor)
	}
	entries, err := fs.ReadDir(sources, helperDir)
	if err != nil {
		return nil, err
	}
	dirs := []string{sharedDir}
	for _, e := range entries {
		var a, b, c, d int
		if n, _ := fmt.Sscanf(e.Name(), "v%d.%d-v%d.%d", &a, &b, &c, &d); n == 4 && a == major && c == major && b <= minor && minor <= d {
			dirs = append(dirs, path.Join(helperDir, e.Name()))
		}
	}
	return append(dirs, glueDir(major, minor)), nil
}

// buildTags are the tags a helper of v is built with: since_1_M_P for
// every patch P of v's minor up to v's, so that a glue file written for
// the API from 1.20.2 on says //go:build since_1_20_2 and its older
// variant //go:build !since_1_20_2.
func buildTags(v versions.Cilium) string {
	var tags []string
	for p := 0; p <= v.Patch; p++ {
		tags = append(tags, fmt.Sprintf("since_%d_%d_%d", v.Major, v.Minor, p))
	}
	return strings.Join(tags, ",")
}

// helperFiles lists the files assembled into a helper of minor: the Go
// files of glueDirs (into the module's root), and package wire's non-test
// files (into the wire module). Keys are paths in the assembled module,
// values paths in sources.
func helperFiles(major, minor int) (map[string]string, error) {
	dirs, err := glueDirs(major, minor)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, dir := range dirs {
		names, err := fs.Glob(sources, dir+"/*.go")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if prev, dup := out[path.Base(n)]; dup {
				return nil, fmt.Errorf("helper sources %s and %s share a name", prev, n)
			}
			out[path.Base(n)] = n
		}
	}
	wires, err := fs.Glob(sources, wireDir+"/*.go")
	if err != nil {
		return nil, err
	}
	for _, n := range wires {
		if !strings.HasSuffix(n, "_test.go") {
			out[path.Join(wireModuleDir, wirePackage, path.Base(n))] = n
		}
	}
	return out, nil
}

// wireGoMod is the go.mod of the wire module: pure standard library.
func wireGoMod() string {
	return "module " + mainModulePath + "\n\ngo 1.22\n"
}

// writeModule writes the helper module of release v into dir, with go.mod
// and go.sum of the minor's default patch. Go files whose build constraint
// v's tags (buildTags) exclude are left out: `go mod tidy` reads every
// file whatever its constraint, and would otherwise look for packages an
// older patch lacks.
func writeModule(dir string, v versions.Cilium) error {
	major, minor := v.Major, v.Minor
	files, err := helperFiles(major, minor)
	if err != nil {
		return err
	}
	tags := map[string]bool{}
	for _, t := range strings.Split(buildTags(v), ",") {
		tags[t] = true
	}
	for dst, src := range files {
		data, err := sources.ReadFile(src)
		if err != nil {
			return err
		}
		if keep, err := selected(data, tags); err != nil {
			return fmt.Errorf("%s: %w", src, err)
		} else if !keep {
			delete(files, dst)
		}
	}
	glue := glueDir(major, minor)
	files["go.mod"] = path.Join(glue, goModIn)
	files["go.sum"] = path.Join(glue, goSumIn)
	for dst, src := range files {
		data, err := sources.ReadFile(src)
		if err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(dst)), data); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(dir, wireModuleDir, "go.mod"), []byte(wireGoMod()))
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}

// selected reports whether a Go file's //go:build line, if any, holds for
// the tags.
func selected(src []byte, tags map[string]bool) (bool, error) {
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "package ") {
			break
		}
		if !constraint.IsGoBuild(line) {
			continue
		}
		expr, err := constraint.Parse(line)
		if err != nil {
			return false, err
		}
		return expr.Eval(func(tag string) bool { return tags[tag] }), nil
	}
	return true, nil
}

// sourceDigest hashes every file a helper of minor is built from, so a
// cached helper is rebuilt when the sandbox binary carries other sources.
func sourceDigest(major, minor int) (string, error) {
	files, err := helperFiles(major, minor)
	if err != nil {
		return "", err
	}
	glue := glueDir(major, minor)
	files["go.mod"] = path.Join(glue, goModIn)
	files["go.sum"] = path.Join(glue, goSumIn)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		data, err := sources.ReadFile(files[n])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(data))
		h.Write(data)
	}
	fmt.Fprintf(h, "wire.go.mod %s", wireGoMod())
	return hex.EncodeToString(h.Sum(nil)), nil
}
