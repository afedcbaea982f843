package ciliumrun

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
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

// glueDir is the directory of minor's glue, "_helper/v1.18".
func glueDir(major, minor int) string {
	return path.Join(helperDir, fmt.Sprintf("v%d.%d", major, minor))
}

// helperFiles lists the files assembled into a helper of minor: the shared
// Go files and the minor's glue (into the module's root), and package
// wire's non-test files (into the wire module). Keys are paths in the
// assembled module, values paths in sources.
func helperFiles(major, minor int) (map[string]string, error) {
	out := map[string]string{}
	glue := glueDir(major, minor)
	if _, err := fs.Stat(sources, glue); err != nil {
		return nil, fmt.Errorf("no helper glue for Cilium %d.%d in this sandbox binary", major, minor)
	}
	for _, dir := range []string{sharedDir, glue} {
		names, err := fs.Glob(sources, dir+"/*.go")
		if err != nil {
			return nil, err
		}
		for _, n := range names {
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

// writeModule writes the helper module of minor into dir, with go.mod and
// go.sum of the minor's default patch.
func writeModule(dir string, major, minor int) error {
	files, err := helperFiles(major, minor)
	if err != nil {
		return err
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
