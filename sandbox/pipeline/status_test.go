package pipeline

import (
	"strings"
	"testing"

	"k8s.io/client-go/kubernetes/fake"
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
