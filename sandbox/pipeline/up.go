package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"sigs.k8s.io/kind/pkg/cluster/nodeutils"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// Up brings the sandbox up, or completes it when it is partly there: a
// second Up changes nothing and returns in seconds. Every option is checked
// before anything starts. The Report holds each step's duration even when
// Up fails; the error names the step.
func Up(ctx context.Context, opts Options) (*Report, error) {
	r, err := resolve(opts)
	if err != nil {
		return nil, err
	}
	st, err := newState(r)
	if err != nil {
		return nil, err
	}
	// The chart's values are checked by rendering it before anything starts.
	_, err = intercept.Render(ctx, intercept.RenderOptions{Cilium: r.cilium, Values: r.ChartValues, KubeVersion: r.nodeImage.Kubernetes})
	if err != nil {
		return nil, err
	}
	rep := &Report{ClusterName: r.ClusterName, KubeconfigPath: r.KubeconfigPath, CiliumVersion: r.cilium.String(), NodeImage: r.nodeImage.Ref, NodeImageNote: r.nodeImage.Note}
	start := time.Now()
	rep.Steps, err = steps.Run(ctx, st, upStages(), r.OnStep)
	rep.Seconds = steps.Seconds(time.Since(start))
	rep.Images = st.images
	if err != nil && ctx.Err() == nil && !errors.Is(err, cluster.ErrNoDocker) && clusterExists(st) {
		collect := steps.Step[*state]{Name: "artifacts", Run: func(ctx context.Context, st *state) (string, bool, error) {
			dir, err := collectArtifacts(ctx, st)
			rep.Artifacts = dir
			return dir, false, err
		}}
		// Reported through OnStep (it can take a minute) but not one of Up's steps.
		if _, aerr := steps.RunOne(ctx, st, collect, r.OnStep); aerr != nil {
			rep.ArtifactsError = aerr.Error()
		}
	}
	return rep, err
}

// clusterExists reports whether the sandbox's cluster exists (false when
// kind cannot tell): only then is there anything to collect after a failure.
func clusterExists(st *state) bool {
	exists, err := st.kind.Exists(st.r.ClusterName)
	return err == nil && exists
}

// upStages is the ordered list of Up's steps; steps in one stage are
// independent and run concurrently.
func upStages() []steps.Stage[*state] {
	return []steps.Stage[*state]{
		{{Name: "preflight", Run: preflight}},
		{{Name: "cluster", Run: ensureCluster}, {Name: "charts", Run: fetchCharts}},
		{{Name: "images", Run: loadImages}},
		{{Name: "cilium", Run: installCilium}, {Name: "cert-manager", Run: installCertManager}},
		{{Name: "trust-manager", Run: installTrustManager}},
		{{Name: "chart", Run: installChart}},
		{{Name: "workload", Run: waitWorkload}},
	}
}

// preflight checks Docker, free disk and the host ports the kind config maps.
func preflight(ctx context.Context, st *state) (string, bool, error) {
	if err := cluster.CheckDocker(ctx); err != nil {
		return "", false, err
	}
	free, err := checkDisk(".")
	if err != nil {
		return "", false, err
	}
	exists, err := st.kind.Exists(st.r.ClusterName)
	if err != nil {
		return "", false, err
	}
	if !exists { // an existing cluster holds its own ports
		if err := checkHostPorts(st.r.kindConfig); err != nil {
			return "", false, err
		}
	}
	return fmt.Sprintf("docker answers, %.1f GiB free", float64(free)/(1<<30)), false, nil
}

// ensureCluster creates the kind cluster unless it exists; an existing one
// must have been made for Cilium (no default CNI, no kube-proxy).
func ensureCluster(ctx context.Context, st *state) (string, bool, error) {
	exists, err := st.kind.Exists(st.r.ClusterName)
	if err != nil {
		return "", false, err
	}
	if !exists {
		err := st.kind.Create(ctx, cluster.CreateInput{Config: st.r.kindConfig, Name: st.r.ClusterName,
			NodeImage: st.r.nodeImage.Ref, KubeconfigPath: st.r.KubeconfigPath})
		if err != nil {
			return "", false, offline(err)
		}
	}
	if err := st.kind.WriteKubeconfig(st.r.ClusterName, st.r.KubeconfigPath); err != nil {
		if exists { // kind reads it from the control-plane container
			err = fmt.Errorf("%w (node containers stopped, e.g. after a Docker restart? start them with `docker start` or run `sandbox down`)", err)
		}
		return "", !exists, err
	}
	if exists {
		if err := checkExistingNodes(st); err != nil {
			return "", false, err
		}
	}
	if err := st.connect(); err != nil {
		return "", !exists, err
	}
	if err := cluster.CheckForeignCNI(ctx, st.kube, st.r.ClusterName); err != nil {
		return "", !exists, err
	}
	if exists {
		return "exists, kubeconfig " + st.r.KubeconfigPath, false, nil
	}
	return fmt.Sprintf("created with %s, kubeconfig %s", st.r.nodeImage.Ref, st.r.KubeconfigPath), true, nil
}

// ErrClusterMismatch means a cluster of the sandbox's name exists with other
// nodes than Up would create (another Kubernetes version or node count);
// kind cannot change a cluster's nodes, so it is not reused silently.
var ErrClusterMismatch = errors.New("existing cluster does not match the wanted nodes")

// checkExistingNodes compares an existing cluster's nodes with the wanted
// node image's Kubernetes version and the kind config's node count.
func checkExistingNodes(st *state) error {
	nodes, err := st.kind.Nodes(st.r.ClusterName)
	if err != nil || len(nodes) == 0 {
		return err
	}
	var found []string
	if want := len(st.r.kindConfig.Nodes); want > 0 && len(nodes) != want {
		found = append(found, fmt.Sprintf("%d nodes, not the %d of the kind config", len(nodes), want))
	}
	if want := st.r.nodeImage.Kubernetes; want != "" {
		got, err := nodeutils.KubeVersion(nodes[0])
		if err != nil {
			return fmt.Errorf("kubernetes version of node %s: %w", nodes[0], err)
		}
		if got != want {
			found = append(found, fmt.Sprintf("Kubernetes %s, not %s of %s", got, want, st.r.nodeImage.Ref))
		}
	}
	if len(found) == 0 {
		return nil
	}
	return fmt.Errorf("%w: kind cluster %q has %s; kind cannot change a cluster's nodes: delete it with "+
		"`sandbox down --cluster-name %s` and run `sandbox up` again (or pass the options it was created with)",
		ErrClusterMismatch, st.r.ClusterName, strings.Join(found, " and "), st.r.ClusterName)
}

func installCilium(ctx context.Context, st *state) (string, bool, error) {
	detail, changed, err := st.ensure(ctx, cilium.ReleaseName)
	if err != nil {
		return detail, changed, err
	}
	return detail, changed, cilium.WaitReady(ctx, st.kube, st.r.timeout(cilium.ReadyTimeout))
}

func installCertManager(ctx context.Context, st *state) (string, bool, error) {
	detail, changed, err := st.ensure(ctx, certmanager.CertManagerRelease)
	if err != nil {
		return detail, changed, err
	}
	return detail, changed, certmanager.WaitCertManager(ctx, st.kube, st.dyn, st.r.timeout(certmanager.ReadyTimeout))
}

func installTrustManager(ctx context.Context, st *state) (string, bool, error) {
	detail, changed, err := st.ensure(ctx, certmanager.TrustManagerRelease)
	if err != nil {
		return detail, changed, err
	}
	return detail, changed, certmanager.WaitTrustManager(ctx, st.kube, st.dyn, st.r.timeout(certmanager.ReadyTimeout))
}

func installChart(ctx context.Context, st *state) (string, bool, error) {
	return st.ensure(ctx, intercept.DefaultReleaseName)
}
