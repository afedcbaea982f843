package ciliumrun

import (
	"bytes"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestEmbeddedSourcesAreTheTree checks that the helpers' sources the binary
// carries are the files in the tree, byte for byte, none left out (embed
// skips nothing under "all:", but a file added elsewhere would be missed).
func TestEmbeddedSourcesAreTheTree(t *testing.T) {
	onDisk := map[string][]byte{}
	for _, root := range []string{helperDir, wireDir} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if root == wireDir && !strings.HasSuffix(p, ".go") {
				return nil
			}
			data, err := os.ReadFile(p)
			onDisk[filepath.ToSlash(p)] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	embedded := 0
	err := fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		embedded++
		data, _ := sources.ReadFile(p)
		if want, ok := onDisk[p]; !ok {
			t.Errorf("embedded %s is not in the tree", p)
		} else if !bytes.Equal(data, want) {
			t.Errorf("embedded %s differs from the tree", p)
		}
		delete(onDisk, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range onDisk {
		t.Errorf("%s is in the tree but not embedded", p)
	}
	if embedded < 10 {
		t.Fatalf("only %d files embedded", embedded)
	}
}

// TestHelperSourcesAreGofmtClean checks every embedded Go file as gofmt
// would (make fmt-check sees them too, but the helpers are built from the
// embedded copies).
func TestHelperSourcesAreGofmtClean(t *testing.T) {
	n := 0
	err := fs.WalkDir(sources, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		n++
		data, _ := sources.ReadFile(p)
		got, err := format.Source(data)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		} else if !bytes.Equal(got, data) {
			t.Errorf("%s is not gofmt-clean", p)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walked %d Go files: %v", n, err)
	}
}

// TestGlueRequiresTheDefaultPatch checks that every minor's glue exists
// and its go.mod.in requires the minor's default patch, with go.sum.in
// beside it, and that no glue exists for an unsupported minor.
func TestGlueRequiresTheDefaultPatch(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		dir := glueDir(v.Major, v.Minor)
		data, err := sources.ReadFile(dir + "/" + goModIn)
		if err != nil {
			if v.Minor < 20 { // added minor by minor; 1.20 first
				t.Logf("no glue for Cilium %s yet", v.MinorString())
				continue
			}
			t.Fatalf("Cilium %s: %v", v.MinorString(), err)
		}
		f, err := modfile.Parse(dir+"/"+goModIn, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := requiredVersion(f, ciliumModule); got != "v"+v.String() {
			t.Errorf("%s/%s requires %s %s, want the default patch v%s", dir, goModIn, ciliumModule, got, v)
		}
		if got := requiredVersion(f, mainModulePath); got == "" {
			t.Errorf("%s/%s does not require %s (package wire)", dir, goModIn, mainModulePath)
		}
		if _, err := sources.ReadFile(dir + "/" + goSumIn); err != nil {
			t.Errorf("Cilium %s: %v", v.MinorString(), err)
		}
	}
	if _, err := helperFiles(1, 15); err == nil {
		t.Error("helperFiles(1.15) found glue for an unsupported minor")
	}
}

// TestWriteModule assembles 1.20's helper module and checks its layout.
func TestWriteModule(t *testing.T) {
	dir := t.TempDir()
	if err := writeModule(dir, versions.MustParseCilium("1.20.2")); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.mod", "go.sum", "main.go", "xdsclient.go", "agent.go",
		"wiremod/go.mod", "wiremod/sandbox/ciliumrun/wire/wire.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("assembled module lacks %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "endpoint_before_1_20_2.go")); err == nil {
		t.Error("a file for patches before 1.20.2 was assembled for 1.20.2")
	}
	old := t.TempDir()
	if err := writeModule(old, versions.MustParseCilium("1.20.0")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(old, "endpoint_since_1_20_2.go")); err == nil {
		t.Error("a file for 1.20.2 on was assembled for 1.20.0")
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "wiremod", "sandbox", "ciliumrun", "wire", "*_test.go"))
	if len(matches) > 0 {
		t.Errorf("test files copied into the wire module: %v", matches)
	}
	a, _ := sourceDigest(1, 20)
	if b, _ := sourceDigest(1, 20); a == "" || a != b {
		t.Errorf("source digest %q then %q", a, b)
	}
}

// TestGlueDirsAndTags checks which directories make a minor's helper and
// the tags that select a patch's files.
func TestGlueDirsAndTags(t *testing.T) {
	dirs, err := glueDirs(1, 19)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{sharedDir, "_helper/v1.18-v1.20", "_helper/v1.19"}
	if strings.Join(dirs, " ") != strings.Join(want, " ") {
		t.Errorf("glueDirs(1.19) = %v, want %v", dirs, want)
	}
	if got := buildTags(versions.MustParseCilium("1.20.2")); got != "since_1_20_0,since_1_20_1,since_1_20_2" {
		t.Errorf("buildTags(1.20.2) = %q", got)
	}
	if got := buildTags(versions.MustParseCilium("1.18.0")); got != "since_1_18_0" {
		t.Errorf("buildTags(1.18.0) = %q", got)
	}
}

// TestEnvoyProtosCopy checks which cilium/proxy versions carry their own
// copy of Envoy's protos, and that the helper's imports are rewritten to it.
func TestEnvoyProtosCopy(t *testing.T) {
	for _, tc := range []struct {
		release, proxy string
		copy           bool
	}{
		{"1.16.0", "v0.0.0-20240418093727-2c7164c53e26", true},
		{"1.16.9", "v0.0.0-20250305113347-723568176820", true},
		{"1.17.5", "v0.0.0-20250408103314-d3be7c547203", true},
		{"1.17.6", "v0.0.0-20250526114940-b80199397e8a", false},
		{"1.20.2", "v0.0.0-20260701124752-9c14fdc485a1", false},
	} {
		t.Run(tc.release, func(t *testing.T) {
			gomod := "module github.com/cilium/cilium\n\ngo 1.23\n\nrequire " + proxyModule + " " + tc.proxy + "\n"
			f, err := modfile.Parse("go.mod", []byte(gomod), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := usesEnvoyProtosCopy(f); got != tc.copy {
				t.Errorf("usesEnvoyProtosCopy = %v, want %v", got, tc.copy)
			}
		})
	}
	dir := t.TempDir()
	if err := writeModule(dir, versions.MustParseCilium("1.16.0")); err != nil {
		t.Fatal(err)
	}
	if err := useEnvoyProtosCopy(dir); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(dir, "xdsclient.go"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), envoyProtosImport) || !strings.Contains(string(src), envoyProtosCopyImport) {
		t.Errorf("xdsclient.go still imports go-control-plane after the rewrite:\n%s", src)
	}
}
