package pipeline

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
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
	res, err := images.Load(ctx, images.LoadInput{Docker: docker, Nodes: nodes, Images: dedupe(refs)})
	st.mu.Lock()
	st.images = res
	st.mu.Unlock()
	if err != nil {
		return "", res != nil && res.Changed(), offline(err)
	}
	return fmt.Sprintf("%d images: %d pulled, %d loaded, %d already on the nodes",
		len(dedupe(refs)), len(res.Pulled), len(res.Loaded), len(res.Present)), res.Changed(), nil
}

func dedupe(refs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// WorkloadTimeout bounds the wait for the chart's certificates and workload.
const WorkloadTimeout = 4 * time.Minute

// chartCertificates selects the chart's Certificates wherever the values put
// them (the CA in ca.namespace, the leaves in the TLS secrets namespace).
func chartCertificates() string {
	return "app.kubernetes.io/instance=" + intercept.DefaultReleaseName
}

// waitWorkload waits for the chart's Certificates to be issued and the test
// workload to be rolled out.
func waitWorkload(ctx context.Context, st *state) (string, bool, error) {
	if err := waitCertificates(ctx, st, chartCertificates(), WorkloadTimeout); err != nil {
		return "", false, err
	}
	synced, err := waitSyncedSecrets(ctx, st, WorkloadTimeout)
	if err != nil {
		return "", false, err
	}
	w := cluster.Workload{Kind: cluster.Deployment, Namespace: intercept.WorkloadNamespace, Selector: "app=" + intercept.WorkloadLabel}
	if err := cluster.WaitRollout(ctx, st.kube, WorkloadTimeout, CoreDNS(), w); err != nil {
		return "", false, fmt.Errorf("workload: %w", err)
	}
	return "certificates issued, " + synced + w.String() + " and CoreDNS ready", false, nil
}

var policiesGVR = schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumnetworkpolicies"}

// waitSyncedSecrets waits, when cilium-config turns on secret sync (Cilium
// 1.17+ as the sandbox installs it), until Cilium's operator has copied
// every TLS secret the chart's policies name into the secrets namespace: the
// agent gives Envoy only the copy's name, so until it exists handshakes fail.
// It returns what it saw for the step's detail, "" without secret sync.
func waitSyncedSecrets(ctx context.Context, st *state, timeout time.Duration) (string, error) {
	secretsNS, err := syncedSecretsNamespace(ctx, st)
	if err != nil || secretsNS == "" {
		return "", err
	}
	var missing, copies []string
	err = wait.PollUntilContextTimeout(ctx, cluster.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		var listErr error
		missing, copies, listErr = unsyncedSecrets(ctx, st, secretsNS)
		return listErr == nil && len(missing) == 0, listErr
	})
	if err != nil && len(missing) > 0 {
		what := fmt.Sprintf("Cilium's operator has not copied %v into %s (copies there: %v); see kubectl -n %s logs deploy/cilium-operator", missing, secretsNS, copies, cilium.Namespace)
		if ctx.Err() != nil { // interrupted, not timed out
			return "", fmt.Errorf("synced secrets: %w; still %w: %s", ctx.Err(), cluster.ErrNotReady, what)
		}
		return "", fmt.Errorf("synced secrets: %w after %s: %s", cluster.ErrNotReady, timeout, what)
	}
	if err != nil {
		return "", err
	}
	return "policy secrets copied into " + secretsNS + ", ", nil
}

// syncedSecretsNamespace returns the secrets namespace when cilium-config
// turns on read-only mode with secret sync, else "".
func syncedSecretsNamespace(ctx context.Context, st *state) (string, error) {
	cm, err := st.kube.CoreV1().ConfigMaps(cilium.Namespace).Get(ctx, "cilium-config", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read cilium-config: %w", err)
	}
	if cm.Data["policy-secrets-only-from-secrets-namespace"] != "true" || cm.Data["enable-policy-secrets-sync"] != "true" {
		return "", nil
	}
	return cm.Data["policy-secrets-namespace"], nil
}

// unsyncedSecrets lists the secrets the chart's policies name outside
// secretsNS that have no copy there yet, and the copies there.
func unsyncedSecrets(ctx context.Context, st *state, secretsNS string) (missing, copies []string, err error) {
	sel := chartCertificates()
	policies, err := st.dyn.Resource(policiesGVR).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, nil, fmt.Errorf("list ciliumnetworkpolicies %s: %w", sel, err)
	}
	synced, err := st.kube.CoreV1().Secrets(secretsNS).List(ctx, metav1.ListOptions{LabelSelector: doctor.OwningSecretNameLabel})
	if err != nil {
		return nil, nil, fmt.Errorf("list secrets in %s: %w", secretsNS, err)
	}
	have := map[string]bool{}
	for _, s := range synced.Items {
		have[s.Labels[doctor.OwningSecretNamespaceLabel]+"/"+s.Labels[doctor.OwningSecretNameLabel]] = true
		copies = append(copies, s.Name)
	}
	seen := map[string]bool{}
	for i := range policies.Items {
		refs, err := doctor.PolicySecretRefs(&policies.Items[i])
		if err != nil {
			return nil, nil, err
		}
		for _, ref := range refs {
			if !strings.HasPrefix(ref, secretsNS+"/") && !have[ref] && !seen[ref] {
				seen[ref] = true
				missing = append(missing, ref)
			}
		}
	}
	sort.Strings(missing)
	return missing, copies, nil
}

// CoreDNS returns kind's cluster DNS Deployment. Its pods start only once Cilium is the
// CNI, and the workload's curl and Cilium's DNS proxy (toFQDNs) need it, so
// Up is done only when it is rolled out too.
func CoreDNS() cluster.Workload {
	return cluster.Workload{Kind: cluster.Deployment, Namespace: "kube-system", Name: "coredns"}
}

var certificatesGVR = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}

// waitCertificates waits until every Certificate the label selector picks,
// in any namespace, is Ready.
func waitCertificates(ctx context.Context, st *state, selector string, timeout time.Duration) error {
	var pending []string
	err := wait.PollUntilContextTimeout(ctx, cluster.PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		pending = pending[:0]
		list, err := st.dyn.Resource(certificatesGVR).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, fmt.Errorf("list certificates %s: %w", selector, err)
		}
		for i := range list.Items {
			if reason := certificateNotReady(&list.Items[i]); reason != "" {
				pending = append(pending, reason)
			}
		}
		return len(pending) == 0, nil
	})
	if err != nil && len(pending) > 0 {
		if ctx.Err() != nil { // interrupted, not timed out
			return fmt.Errorf("certificates: %w; still %w: %v", ctx.Err(), cluster.ErrNotReady, pending)
		}
		return fmt.Errorf("certificates: %w after %s: %v", cluster.ErrNotReady, timeout, pending)
	}
	return err
}

// certificateNotReady returns "" for a Ready Certificate, else its name and
// the Ready condition's message.
func certificateNotReady(c *unstructured.Unstructured) string {
	conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(map[string]any)
		if cond["type"] == "Ready" {
			if cond["status"] == "True" {
				return ""
			}
			return fmt.Sprintf("%s/%s: %v", c.GetNamespace(), c.GetName(), cond["message"])
		}
	}
	return fmt.Sprintf("%s/%s: no Ready condition yet", c.GetNamespace(), c.GetName())
}
