package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
)

func TestWriteFile0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".sandbox", "kubeconfig")
	for _, content := range []string{"first", "second"} {
		if err := WriteFile0600(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile0600(path, []byte("third")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("a file left 0644 by someone else was not tightened: %v", fi.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", dir.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

// blockingProvider is a kind provider whose Create runs until the cluster is
// deleted, as kind's actions fail once the node containers are gone.
type blockingProvider struct {
	provider
	started, deleted chan struct{}
	deletes          int
}

func (p *blockingProvider) Create(string, ...kindcluster.CreateOption) error {
	close(p.started)
	<-p.deleted
	return errors.New("node containers are gone")
}

func (p *blockingProvider) Delete(string, string) error {
	p.deletes++
	if p.deletes == 1 {
		close(p.deleted)
	}
	return nil
}

func TestCreateCancelledRemovesPartialCluster(t *testing.T) {
	p := &blockingProvider{started: make(chan struct{}), deleted: make(chan struct{})}
	k := &Kind{provider: p}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-p.started; cancel() }()
	err := k.Create(ctx, CreateInput{Config: &v1alpha4.Cluster{}, Name: "sbx",
		KubeconfigPath: filepath.Join(t.TempDir(), "kubeconfig")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Create = %v, want context.Canceled", err)
	}
	if p.deletes != 2 {
		t.Fatalf("cluster deleted %d times, want 2 (at cancellation and after kind returned)", p.deletes)
	}
}

// kubeconfigFor is a kubeconfig with one cluster, user and context, as kind writes it.
func kubeconfigFor(name, server string) string {
	return `apiVersion: v1
kind: Config
clusters:
- cluster: {server: ` + server + `}
  name: ` + name + `
users:
- name: ` + name + `
  user: {token: t}
contexts:
- context: {cluster: ` + name + `, user: ` + name + `}
  name: ` + name + `
current-context: ` + name + `
`
}

func TestMergeKubeconfig(t *testing.T) {
	dir := t.TempDir()
	sandbox := kubeconfigFor("kind-sbx", "https://127.0.0.1:6443")
	t.Run("no file: kind's kubeconfig as it is", func(t *testing.T) {
		got, err := MergeKubeconfig(filepath.Join(dir, "none"), []byte(sandbox))
		if err != nil || string(got) != sandbox {
			t.Fatalf("MergeKubeconfig = %q, %v; want kind's kubeconfig", got, err)
		}
	})
	t.Run("other clusters are kept", func(t *testing.T) {
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, []byte(kubeconfigFor("prod", "https://prod.example.com")), 0o600); err != nil {
			t.Fatal(err)
		}
		stale := kubeconfigFor("kind-sbx", "https://127.0.0.1:1")
		for _, cfg := range []string{stale, sandbox} {
			got, err := MergeKubeconfig(path, []byte(cfg))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		merged, err := clientcmd.LoadFromFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if merged.Clusters["prod"] == nil || merged.Contexts["prod"] == nil || merged.AuthInfos["prod"] == nil {
			t.Errorf("the user's context prod was dropped: %+v", merged.Contexts)
		}
		if c := merged.Clusters["kind-sbx"]; c == nil || c.Server != "https://127.0.0.1:6443" {
			t.Errorf("sandbox cluster entry = %+v, want the new server", c)
		}
		if merged.CurrentContext != "kind-sbx" {
			t.Errorf("current context = %q, want kind-sbx", merged.CurrentContext)
		}
	})
	t.Run("a file that is not a kubeconfig is left alone", func(t *testing.T) {
		path := filepath.Join(dir, "notes")
		if err := os.WriteFile(path, []byte("{not yaml"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := MergeKubeconfig(path, []byte(sandbox)); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("MergeKubeconfig = %v, want an error naming %s", err, path)
		}
	})
}
