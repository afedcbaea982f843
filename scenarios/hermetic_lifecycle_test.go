package scenarios

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// The lifecycle scenario installs a second release of the chart, with its
// own groups, CA, bundles and workload namespace, so upgrading and
// uninstalling it leaves the suite's release untouched.
const (
	lifecycleRelease   = "hermetic-lifecycle"
	lifecycleNamespace = "hermetic-lifecycle-system"
	lifecycleWorkload  = "lifecycle-workload"
	lifecycleCA        = "lifecycle-ca"
)

// lifecycleChart is the lifecycle release, rendered for the suite's Cilium
// release, with groups lca and lcb; upgraded drops lcb and adds
// *.example.com to lca.
func (h *hermeticCluster) lifecycleChart(upgraded bool) hermetic.ChartOptions {
	groups := map[string]any{
		"github": map[string]any{"enabled": false},
		"aws":    map[string]any{"enabled": false},
		"google": map[string]any{"enabled": false},
		"lca":    map[string]any{"enabled": true, "domains": []any{"example.org", "*.example.org"}},
		"lcb":    map[string]any{"enabled": true, "domains": []any{"*.example.net"}},
	}
	if upgraded {
		delete(groups, "lcb") // not in the chart's defaults: dropping it removes the group
		groups["lca"] = map[string]any{"enabled": true, "domains": []any{"example.org", "*.example.org", "*.example.com"}}
	}
	return hermetic.ChartOptions{
		ReleaseName: lifecycleRelease, Namespace: lifecycleNamespace, Cilium: h.cilium,
		Values: map[string]any{
			"intercept":     groups,
			"ca":            map[string]any{"issuerName": lifecycleCA, "secretName": lifecycleCA},
			"upstreamTrust": map[string]any{"secretName": "lifecycle-upstream-ca"},
			"caBundle":      map[string]any{"name": lifecycleCA},
			"workload":      map[string]any{"namespace": lifecycleWorkload},
			// The suite's release owns the secrets namespace where it
			// creates it (1.16).
			"secretsNamespace": map[string]any{"create": false},
		},
	}
}

func (h *hermeticCluster) featureLifecycle() features.Feature {
	return hermeticFeature("install, upgrade with a changed domain list, uninstall", scenario.WildcardGroups).
		Assess("a second release installs and issues its groups", timed(func(ctx context.Context, t *testing.T) {
			res, err := h.cp.EnsureChart(ctx, h.lifecycleChart(false))
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != "installed" {
				t.Errorf("EnsureChart outcome = %s, want installed", res.Outcome)
			}
			h.assertLeavesCoverPolicies(ctx, t, lifecycleWorkload, lifecycleCA, 2)
			again, err := h.cp.EnsureChart(ctx, h.lifecycleChart(false))
			if err != nil || again.Outcome != "unchanged" {
				t.Errorf("second EnsureChart: outcome %v, err %v; want unchanged", again, err)
			}
		})).
		Assess("upgrade: new SAN issued, removed group's objects gone", timed(func(ctx context.Context, t *testing.T) {
			res, err := h.cp.EnsureChart(ctx, h.lifecycleChart(true))
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != "upgraded" {
				t.Errorf("EnsureChart outcome = %s, want upgraded", res.Outcome)
			}
			h.waitNameServed(ctx, t, lifecycleCA, intercept.SecretName("lca"), "www.example.com")
			h.waitGone(ctx, t, resources.Certificates(), h.tlsNS, intercept.CertificateName("lcb"))
			h.waitGone(ctx, t, resources.CiliumNetworkPolicies(), lifecycleWorkload, "intercept-tls-lcb")
			h.assertLeavesCoverPolicies(ctx, t, lifecycleWorkload, lifecycleCA, 1)
		})).
		Assess("uninstall leaves nothing of ours but what is documented", timed(func(ctx context.Context, t *testing.T) {
			h.assertUninstallClean(ctx, t)
		})).Feature()
}

// waitNameServed waits until a group's secret carries host's SAN, then
// until it verifies for host against the current CA caName, which must be
// re-issued with the new permitted domain. The two failures are told apart:
// cert-manager re-issues a Certificate whose dnsNames changed, but it
// compares no nameConstraints when deciding whether a CA must be re-issued.
func (h *hermeticCluster) waitNameServed(ctx context.Context, t *testing.T, caName, secret, host string) {
	t.Helper()
	var sans []string
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		leaf, _, err := h.secretCert(ctx, h.tlsNS, secret)
		if err != nil {
			return false, nil
		}
		sans = leaf.DNSNames
		return leaf.VerifyHostname(host) == nil, nil
	})
	if err != nil {
		t.Errorf("secret %s never got a SAN for %s: %v; SANs %v", secret, host, err, sans)
		return
	}
	var last error
	var permitted []string
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		ca, _, err := h.caNamed(ctx, caName)
		if err != nil {
			return false, nil
		}
		permitted = ca.PermittedDNSDomains
		leaf, _, err := h.secretCert(ctx, h.tlsNS, secret)
		if err != nil {
			return false, nil
		}
		last = verifyLeaf(leaf, ca, host)
		return last == nil, nil // x509's reason, not a timed-out read, stays in last
	})
	if err != nil {
		t.Errorf("secret %s has the SAN for %s but does not verify against CA %s (permitted %v): %v; "+
			"the CA was not re-issued with the new domain", secret, host, caName, permitted, last)
	}
}

// waitGone waits until an object no longer exists.
func (h *hermeticCluster) waitGone(ctx context.Context, t *testing.T, gvr schema.GroupVersionResource, ns, name string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := h.dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("%s %s/%s still exists: %v", gvr.Resource, ns, name, err)
	}
}

// assertUninstallClean uninstalls the lifecycle release and checks that no
// object of the release remains (a Namespace may stay Terminating: no
// namespace controller runs here) and that every other leftover is
// documented.
func (h *hermeticCluster) assertUninstallClean(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := h.cp.UninstallChart(ctx, h.lifecycleChart(true)); err != nil {
		t.Fatal(err)
	}
	instance := "app.kubernetes.io/instance=" + lifecycleRelease
	for _, gvr := range chartResources() {
		list, err := h.dyn.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: instance})
		if err != nil {
			t.Fatalf("list %s: %v", gvr.Resource, err)
		}
		for _, o := range list.Items {
			if o.GetDeletionTimestamp() == nil && !keptByPolicy(o.GetAnnotations()) {
				t.Errorf("%s %s/%s of the release remains", gvr.Resource, o.GetNamespace(), o.GetName())
			}
		}
	}
	left, err := h.leftovers(ctx)
	if err != nil {
		t.Error(err)
	}
	for _, l := range left {
		t.Logf("left (documented): %s", l)
	}
}

// ofLifecycleRelease tells the lifecycle release's objects from the suite
// release's in the shared namespaces.
func ofLifecycleRelease(ns, name string) bool {
	if ns == lifecycleWorkload || ns == lifecycleNamespace {
		return true
	}
	return strings.HasPrefix(name, "intercept-lc") || strings.HasPrefix(name, "lifecycle-")
}

// keptByPolicy reports Helm's keep resource policy.
func keptByPolicy(annotations map[string]string) bool {
	return annotations["helm.sh/resource-policy"] == "keep"
}

// chartResources are the kinds the chart renders.
func chartResources() []schema.GroupVersionResource {
	return []schema.GroupVersionResource{
		resources.Certificates(), resources.CiliumNetworkPolicies(),
		resources.ClusterIssuers(),
		resources.Bundles(),
		{Group: "apps", Version: "v1", Resource: "deployments"},
		{Version: "v1", Resource: "namespaces"},
	}
}

// leftovers lists the secrets, config maps and certificate requests in the
// chart's namespaces, failing on any that is not documented to remain: a
// secret cert-manager wrote (it never deletes them unless told to), or an
// object with an owner (the garbage collector, absent here, removes it).
func (h *hermeticCluster) leftovers(ctx context.Context) ([]string, error) {
	var out []string
	var undocumented []string
	gvrs := []schema.GroupVersionResource{
		{Version: "v1", Resource: "secrets"}, {Version: "v1", Resource: "configmaps"},
		resources.CertificateRequests(),
	}
	namespaces := []string{hermetic.SecretsNamespace, hermetic.CertManagerNamespace, lifecycleWorkload, lifecycleNamespace}
	if !slices.Contains(namespaces, h.tlsNS) {
		namespaces = append(namespaces, h.tlsNS)
	}
	for _, ns := range namespaces {
		for _, gvr := range gvrs {
			list, err := h.dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, err
			}
			for _, o := range list.Items {
				if !ofLifecycleRelease(ns, o.GetName()) {
					continue
				}
				desc := fmt.Sprintf("%s %s/%s", gvr.Resource, ns, o.GetName())
				switch {
				case len(o.GetOwnerReferences()) > 0:
					out = append(out, fmt.Sprintf("%s (owned by %s %s: garbage-collected in a real cluster)",
						desc, o.GetOwnerReferences()[0].Kind, o.GetOwnerReferences()[0].Name))
				case o.GetAnnotations()["cert-manager.io/certificate-name"] != "":
					out = append(out, desc+" (written by cert-manager, which keeps secrets of deleted Certificates)")
				case o.GetName() == "kube-root-ca.crt":
				default:
					undocumented = append(undocumented, desc)
				}
			}
		}
	}
	slices.Sort(out)
	if len(undocumented) > 0 {
		return out, fmt.Errorf("undocumented objects left after uninstall: %v", undocumented)
	}
	return out, nil
}
