package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestStatusReady(t *testing.T) {
	deployed := []ReleaseStatus{{Release: "cilium", Status: "deployed"}}
	cases := []struct {
		name string
		st   Status
		want bool
	}{
		{"no cluster", Status{}, false},
		{"no releases", Status{Exists: true}, false},
		{"all ready", Status{Exists: true, Releases: deployed, Workloads: []ReadyStatus{{Ready: true}}}, true},
		{"release failed", Status{Exists: true, Releases: []ReleaseStatus{{Status: "failed"}}}, false},
		{"release missing", Status{Exists: true, Releases: []ReleaseStatus{{Status: "missing"}}}, false},
		{"workload not ready", Status{Exists: true, Releases: deployed, Workloads: []ReadyStatus{{Ready: false}}}, false},
		{"another Cilium than asked", Status{Exists: true, Releases: deployed, CiliumMismatch: "the cluster runs Cilium 1.20.2"}, false},
		{"could not look", Status{Exists: true, Releases: deployed, Error: "no Docker daemon"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.st.Ready(); got != c.want {
				t.Fatalf("Ready() = %v, want %v", got, c.want)
			}
		})
	}
}

func TestWorkloadStatusIncludesCoreDNS(t *testing.T) {
	st := &state{kube: fake.NewClientset()}
	ws, err := workloadStatus(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range ws {
		if w.Workload == CoreDNS().String() {
			found = true
			if w.Ready || !strings.Contains(w.State, "not found") {
				t.Errorf("CoreDNS status %+v, want not ready, not found", w)
			}
		}
	}
	if !found {
		t.Errorf("workloads %+v lack %s", ws, CoreDNS())
	}
}

func TestCiliumMismatch(t *testing.T) {
	releases := []ReleaseStatus{{Release: "cert-manager", Version: "v1.21.2"}, {Release: "cilium", Version: "1.20.2"}}
	if got := ciliumMismatch(releases, versions.MustParseCilium("1.20")); got != "" {
		t.Errorf("same release: %q", got)
	}
	if got := ciliumMismatch(releases, versions.MustParseCilium("1.18")); got != "the cluster runs Cilium 1.20.2, not the 1.18.11 asked for" {
		t.Errorf("other release: %q", got)
	}
	if got := ciliumMismatch(nil, versions.MustParseCilium("1.18")); got != "" {
		t.Errorf("no release read: %q, want nothing claimed", got)
	}
}

// TestStatusWithoutDocker: a Status comes back, naming the cluster and
// why it could not look, so that -o json has a report to print.
func TestStatusWithoutDocker(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	st, err := GetStatus(context.Background(), Options{})
	if err == nil || st == nil || st.ClusterName != DefaultClusterName || !strings.Contains(st.Error, "no Docker daemon reachable") || st.Ready() {
		t.Fatalf("GetStatus = %+v, %v; want a not-ready Status naming the cluster and the Docker error", st, err)
	}
}
