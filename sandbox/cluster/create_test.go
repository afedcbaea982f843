package cluster

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	kindexec "sigs.k8s.io/kind/pkg/exec"
)

func TestExplainCreate(t *testing.T) {
	refused := &kindexec.RunError{Command: []string{"docker", "run", "--privileged", "img"}, Inner: errors.New("exit status 125"),
		Output: []byte("docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown\n\nRun 'docker run --help' for more information\n")}
	other := &kindexec.RunError{Command: []string{"docker", "run", "--privileged", "img"}, Inner: errors.New("exit status 125"),
		Output: []byte("docker: Error response from daemon: Conflict. The container name is already in use.\n")}
	cases := []struct {
		name    string
		err     error
		want    string
		refused bool
	}{
		{"privileged refused", fmt.Errorf("failed to create cluster: %w", refused), "(docker run --privileged: failed to create shim task", true},
		{"other docker error", other, "failed with error: exit status 125: Conflict. The container name is already in use.", false},
		{"not a command", errors.New("boom"), "boom", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := explainCreate(c.err)
			if !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrPrivilegedRefused) != c.refused {
				t.Fatalf("explainCreate = %v; want %q, ErrPrivilegedRefused %v", err, c.want, c.refused)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("explanation spans lines: %q", err)
			}
		})
	}
}

// fakeHost records what Create asks of the Docker host.
type fakeHost struct {
	network, removed bool
	pull             func(ctx context.Context) error
	pulled           []string
}

func (h *fakeHost) EnsureImage(ctx context.Context, ref string) (bool, error) {
	h.pulled = append(h.pulled, ref)
	if h.pull != nil {
		return true, h.pull(ctx)
	}
	return false, nil
}
func (h *fakeHost) NetworkExists(context.Context, string) (bool, error) { return h.network, nil }
func (h *fakeHost) RemoveUnusedNetwork(context.Context, string) error   { h.removed = true; return nil }

// failingProvider is a kind whose Create fails; created counts the calls.
type failingProvider struct {
	provider
	created int
}

func (p *failingProvider) Create(string, ...kindcluster.CreateOption) error {
	p.created++
	return errors.New("node failed")
}

func TestCreateRemovesTheNetworkItMade(t *testing.T) {
	for _, existed := range []bool{false, true} {
		h := &fakeHost{network: existed}
		p := &failingProvider{}
		k := &Kind{provider: p, host: h}
		cfg := &v1alpha4.Cluster{Nodes: []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole}, {Role: v1alpha4.WorkerRole}}}
		err := k.Create(t.Context(), CreateInput{Config: cfg, Name: "sbx", NodeImage: "kindest/node:v1.36.4", KubeconfigPath: filepath.Join(t.TempDir(), "kc")})
		if err == nil || p.created != 1 {
			t.Fatalf("Create = %v after %d kind creates, want kind's failure", err, p.created)
		}
		if len(h.pulled) != 1 || h.pulled[0] != "kindest/node:v1.36.4" {
			t.Errorf("pulled %v, want the node image once", h.pulled)
		}
		if h.removed == existed {
			t.Errorf("network existed before: %v; removed after the failure: %v", existed, h.removed)
		}
	}
}

// TestCreateCancelledDuringPull: cancelling while the node image is pulled
// returns at once, before kind is asked for anything.
func TestCreateCancelledDuringPull(t *testing.T) {
	h := &fakeHost{pull: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }}
	p := &failingProvider{}
	k := &Kind{provider: p, host: h}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := k.Create(ctx, CreateInput{Config: &v1alpha4.Cluster{Nodes: []v1alpha4.Node{{}}}, Name: "sbx", NodeImage: "kindest/node:v1.36.4",
		KubeconfigPath: filepath.Join(t.TempDir(), "kc")})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "before kind created anything") || p.created != 0 {
		t.Fatalf("Create = %v, kind creates %d; want a cancelled pull and no kind create", err, p.created)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancel took %s", took)
	}
}
