package cluster

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

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
