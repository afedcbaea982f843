package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/storage/driver"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Status is what exists of the sandbox, observed once.
type Status struct {
	ClusterName string   `json:"clusterName"`
	Exists      bool     `json:"exists"`
	Nodes       []string `json:"nodes,omitempty"`
	// Kubernetes is the nodes' Kubernetes version (read from the first node).
	Kubernetes     string          `json:"kubernetes,omitempty"`
	KubeconfigPath string          `json:"kubeconfigPath"`
	Releases       []ReleaseStatus `json:"releases,omitempty"`
	Workloads      []ReadyStatus   `json:"workloads,omitempty"`
	// CiliumMismatch says that the Cilium release found is not the one
	// Options.Cilium asked for; empty when it is, or when none was asked.
	CiliumMismatch string `json:"ciliumMismatch,omitempty"`
	// Error says why GetStatus could not look further (no Docker daemon,
	// an unreadable cluster); what is set above is what it saw first.
	Error string `json:"error,omitempty"`
}

// ReleaseStatus is a Helm release's latest revision.
type ReleaseStatus struct {
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	Chart     string `json:"chart,omitempty"`
	Version   string `json:"version,omitempty"`
	Revision  int    `json:"revision,omitempty"`
	// Status is Helm's status of the latest revision, or "missing".
	Status string `json:"status"`
}

// ReadyStatus is one workload's readiness.
type ReadyStatus struct {
	Workload string `json:"workload"`
	Ready    bool   `json:"ready"`
	State    string `json:"state,omitempty"`
}

// Ready reports whether every release is deployed and every workload ready.
func (s *Status) Ready() bool {
	if !s.Exists || len(s.Releases) == 0 || s.CiliumMismatch != "" || s.Error != "" {
		return false
	}
	for _, r := range s.Releases {
		if r.Status != "deployed" {
			return false
		}
	}
	for _, w := range s.Workloads {
		if !w.Ready {
			return false
		}
	}
	return true
}

// GetStatus looks at the sandbox without changing it: the cluster, its
// nodes, each release's latest revision and each workload's rollout. It
// reads the cluster's credentials from kind and writes no kubeconfig of the
// user's (opts.KubeconfigPath is only reported). When opts.Cilium is set,
// a Cilium release other than it makes the sandbox not ready. Once the
// options are valid a Status is always returned, its Error set when it
// could not look further.
func GetStatus(ctx context.Context, opts Options) (*Status, error) {
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	s := &Status{ClusterName: r.ClusterName, KubeconfigPath: r.KubeconfigPath}
	err = s.look(ctx, r)
	if err != nil {
		s.Error = err.Error()
	}
	if !opts.Cilium.IsZero() {
		s.CiliumMismatch = ciliumMismatch(s.Releases, opts.Cilium)
	}
	return s, err
}

// ciliumMismatch says how the Cilium release found differs from want.
func ciliumMismatch(releases []ReleaseStatus, want versions.Cilium) string {
	for _, r := range releases {
		if r.Release == cilium.ReleaseName && r.Version != "" && r.Version != want.String() {
			return fmt.Sprintf("the cluster runs Cilium %s, not the %s asked for", r.Version, want)
		}
	}
	return ""
}

// look fills s from the cluster.
func (s *Status) look(ctx context.Context, r *resolved) error {
	if err := cluster.CheckDocker(ctx); err != nil {
		return err
	}
	st, err := newState(r)
	if err != nil {
		return err
	}
	if s.Exists, err = st.kind.Exists(r.ClusterName); err != nil || !s.Exists {
		return err
	}
	nodes, err := st.kind.Nodes(r.ClusterName)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		s.Nodes = append(s.Nodes, n.String())
	}
	if len(nodes) > 0 {
		if s.Kubernetes, err = nodeutils.KubeVersion(nodes[0]); err != nil {
			return fmt.Errorf("kubernetes version of node %s: %w", nodes[0], err)
		}
	}
	access, err := privateKubeconfig(st)
	if err != nil {
		return err
	}
	defer os.Remove(access)
	if err := st.connectWith(access); err != nil {
		return err
	}
	for _, rp := range st.releases {
		rs, err := releaseStatus(rp, access)
		if err != nil {
			return err
		}
		s.Releases = append(s.Releases, rs)
	}
	s.Workloads, err = workloadStatus(ctx, st)
	return err
}

// privateKubeconfig writes the cluster's kubeconfig, as kind reads it from
// the control-plane node, to a new private temporary file (mode 0600) for
// Helm and client-go, which take a path; the caller removes it.
func privateKubeconfig(st *state) (string, error) {
	cfg, err := st.kind.Kubeconfig(st.r.ClusterName)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "sandbox-status-kubeconfig-*")
	if err != nil {
		return "", fmt.Errorf("status kubeconfig: %w", err)
	}
	_, werr := f.Write(cfg)
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("status kubeconfig: %w", err)
	}
	return f.Name(), nil
}

func releaseStatus(rp ReleasePlan, kubeconfig string) (ReleaseStatus, error) {
	rs := ReleaseStatus{Release: rp.Release, Namespace: rp.Namespace, Status: "missing"}
	cfg, err := release.NewConfiguration(kubeconfig, rp.Namespace, nil)
	if err != nil {
		return rs, err
	}
	last, err := cfg.Releases.Last(rp.Release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return rs, nil
	}
	if err != nil {
		return rs, fmt.Errorf("release %s: %w", rp.Release, err)
	}
	rs.Status, rs.Revision = string(last.Info.Status), last.Version
	if last.Chart != nil && last.Chart.Metadata != nil {
		rs.Chart, rs.Version = last.Chart.Metadata.Name, last.Chart.Metadata.Version
	}
	return rs, nil
}

func workloadStatus(ctx context.Context, st *state) ([]ReadyStatus, error) {
	ws := append(append(cilium.Workloads(), certmanager.CertManagerWorkloads()...), certmanager.TrustManagerWorkloads()...)
	ws = append(ws, CoreDNS(), cluster.Workload{Kind: cluster.Deployment, Namespace: intercept.WorkloadNamespace, Selector: "app=" + intercept.WorkloadLabel})
	var out []ReadyStatus
	for _, w := range ws {
		state, err := cluster.RolloutState(ctx, st.kube, w)
		if err != nil {
			return out, err
		}
		out = append(out, ReadyStatus{Workload: w.String(), Ready: state == "", State: state})
	}
	return out, nil
}
