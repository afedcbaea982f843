package pipeline

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// MinFreeDisk is the free space preflight wants where the sandbox runs:
// node images and the charts' images take several GiB.
const MinFreeDisk = 4 << 30

// checkDisk returns the free bytes at dir, or an error below MinFreeDisk.
func checkDisk(dir string) (uint64, error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, fmt.Errorf("disk space at %s: %w", dir, err)
	}
	free := fs.Bavail * uint64(fs.Bsize)
	if free < MinFreeDisk {
		return free, fmt.Errorf("only %.1f GiB free at %s; the sandbox needs %d GiB for node and component images",
			float64(free)/(1<<30), dir, MinFreeDisk>>30)
	}
	return free, nil
}

// checkHostPorts fails when a host port the kind config maps is taken.
func checkHostPorts(cfg *v1alpha4.Cluster) error {
	for _, n := range cfg.Nodes {
		for _, m := range n.ExtraPortMappings {
			if m.HostPort <= 0 {
				continue
			}
			addr := net.JoinHostPort(m.ListenAddress, strconv.Itoa(int(m.HostPort)))
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("host port %s mapped by the kind config is in use: %w", addr, err)
			}
			l.Close()
		}
	}
	return nil
}

// fetchCharts downloads the charts not yet in the chart cache.
func fetchCharts(ctx context.Context, st *state) (string, bool, error) {
	downloaded, cached := 0, 0
	for _, rp := range st.releases {
		if rp.Source.Repo == EmbeddedRepo {
			continue
		}
		c, got, err := release.Fetch(ctx, rp.Source, st.r.ChartCacheDir)
		if err != nil {
			return "", downloaded > 0, offline(err)
		}
		if got {
			downloaded++
		} else {
			cached++
		}
		st.mu.Lock()
		st.charts[rp.Release] = c
		st.mu.Unlock()
	}
	return fmt.Sprintf("%d downloaded, %d from %s", downloaded, cached, st.r.ChartCacheDir), downloaded > 0, nil
}

// loadImages renders every release with the fetched charts, lists their
// images and loads them into the nodes.
func loadImages(ctx context.Context, st *state) (string, bool, error) {
	var refs []string
	for i := range st.releases {
		rp := st.releases[i]
		err := renderImages(ctx, st.r, &rp, func(release.Source) (*chart.Chart, error) { return st.chartOf(rp) })
		if err != nil {
			return "", false, err
		}
		refs = append(refs, rp.Images...)
	}
	docker, err := cluster.NewDockerClient()
	if err != nil {
		return "", false, err
	}
	defer docker.Close()
	nodes, err := st.kind.Nodes(st.r.ClusterName)
	if err != nil {
		return "", false, err
	}
	slices.Sort(refs)
	refs = slices.Compact(refs)
	res, err := images.Load(ctx, images.LoadInput{Docker: docker, Nodes: nodes, Images: refs})
	st.mu.Lock()
	st.images = res
	st.mu.Unlock()
	if err != nil {
		return "", res != nil && res.Changed(), offline(err)
	}
	return fmt.Sprintf("%d images: %d pulled, %d loaded, %d already on the nodes",
		len(refs), len(res.Pulled), len(res.Loaded), len(res.Present)), res.Changed(), nil
}

// WorkloadTimeout bounds the wait for the chart's certificates and workload.
const WorkloadTimeout = 4 * time.Minute

// chartCertificates selects the chart's Certificates wherever the values put
// them (the CA in ca.namespace, the leaves in the TLS secrets namespace).
func chartCertificates() string {
	return intercept.ReleaseSelector(intercept.DefaultReleaseName)
}

// waitWorkload waits for the chart's Certificates to be issued,
// trust-manager's Bundles to hold their current sources (offline runs put a
// new fake upstream CA in the upstream trust), Cilium's operator's copies to
// hold their sources' current data, and the test workload to be rolled out.
func waitWorkload(ctx context.Context, st *state) (string, bool, error) {
	timeout := st.r.timeout(WorkloadTimeout)
	if err := waitCertificates(ctx, st, chartCertificates(), timeout); err != nil {
		return "", false, err
	}
	if err := intercept.WaitBundles(ctx, st.dyn, chartCertificates(), timeout); err != nil {
		return "", false, fmt.Errorf("%w (trust-manager writes the upstream trust and the CA bundle)", err)
	}
	synced, err := waitSyncedSecrets(ctx, st, timeout)
	if err != nil {
		return "", false, err
	}
	w := cluster.Workload{Kind: cluster.Deployment, Namespace: intercept.WorkloadNamespace, Selector: "app=" + intercept.WorkloadLabel}
	if err := cluster.WaitRollout(ctx, st.kube, timeout, CoreDNS(), w); err != nil {
		return "", false, fmt.Errorf("workload: %w", err)
	}
	return "certificates issued, bundles synced, " + synced + w.String() + " and CoreDNS ready", false, nil
}

// waitSyncedSecrets waits, when cilium-config turns on secret sync, until
// Cilium's operator holds a current copy of every TLS secret the chart's
// policies name (intercept.WaitSyncedSecrets).
func waitSyncedSecrets(ctx context.Context, st *state, timeout time.Duration) (string, error) {
	return intercept.WaitSyncedSecrets(ctx, intercept.SyncInput{Kube: st.kube, Dyn: st.dyn, Selector: chartCertificates(),
		CiliumNamespace: cilium.Namespace, Timeout: timeout})
}

// CoreDNS returns kind's cluster DNS Deployment. Its pods start only once Cilium is the
// CNI, and the workload's curl and Cilium's DNS proxy (toFQDNs) need it, so
// Up is done only when it is rolled out too.
func CoreDNS() cluster.Workload {
	return cluster.Workload{Kind: cluster.Deployment, Namespace: "kube-system", Name: "coredns"}
}

// waitCertificates waits until every Certificate the label selector picks,
// in any namespace, is Ready (intercept.WaitCertificates).
func waitCertificates(ctx context.Context, st *state, selector string, timeout time.Duration) error {
	return intercept.WaitCertificates(ctx, st.dyn, selector, timeout)
}
