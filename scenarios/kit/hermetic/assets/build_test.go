package assets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAPIServerWrapperMod(t *testing.T) {
	tests := []struct {
		name    string
		gomod   string
		want    []string
		wantErr string
	}{
		{
			name: "staging modules pinned to the matching v0 version",
			gomod: "module k8s.io/kubernetes\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n" +
				"\tk8s.io/client-go => ./staging/src/k8s.io/client-go\n\tgithub.com/x/y => github.com/x/y v1.0.0\n)\n",
			want: []string{
				"require k8s.io/kubernetes " + KubernetesVersion,
				"\tk8s.io/api => k8s.io/api v0.36.3\n",
				"\tk8s.io/client-go => k8s.io/client-go v0.36.3\n",
			},
		},
		{name: "no staging modules", gomod: "module k8s.io/kubernetes\n", wantErr: "no staging modules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := apiServerWrapperMod([]byte(tt.gomod))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("wrapper go.mod lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "github.com/x/y") {
				t.Errorf("wrapper go.mod pins a non-staging module:\n%s", got)
			}
		})
	}
}

func TestVersionLDFlags(t *testing.T) {
	got := versionLDFlags()
	for _, want := range []string{
		"-X k8s.io/component-base/version.gitVersion=" + KubernetesVersion,
		"-X k8s.io/component-base/version.gitMajor=1",
		"-X k8s.io/component-base/version.gitMinor=36",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ldflags %q lack %q", got, want)
		}
	}
	if got != versionLDFlags() {
		t.Error("ldflags are not deterministic")
	}
}

func TestCheck(t *testing.T) {
	write := func(dir, name string, mode os.FileMode) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		files   map[string]os.FileMode
		missing string
	}{
		{name: "both executables", files: map[string]os.FileMode{"etcd": 0o755, "kube-apiserver": 0o755}},
		{name: "etcd missing", files: map[string]os.FileMode{"kube-apiserver": 0o755}, missing: "etcd"},
		{name: "api server not executable", files: map[string]os.FileMode{"etcd": 0o755, "kube-apiserver": 0o644}, missing: "kube-apiserver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, mode := range tt.files {
				write(dir, name, mode)
			}
			err := Check(dir)
			if tt.missing == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrMissing) {
				t.Fatalf("err = %v, want ErrMissing", err)
			}
			for _, want := range []string{tt.missing, dir, "make controlplane"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv(DirEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	dir, err := DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	want := "/cache/cilium-tls-intercept/controlplane/" + KubernetesVersion + "-" + EtcdVersion
	if dir != want {
		t.Errorf("DefaultDir = %q, want %q", dir, want)
	}
	t.Setenv(DirEnv, "/elsewhere")
	if dir, _ := DefaultDir(); dir != "/elsewhere" {
		t.Errorf("with %s set, DefaultDir = %q", DirEnv, dir)
	}
}
