package install

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// renderChart merges the user's values with what the running Cilium and
// the found cert-manager decide, and renders the chart with them for the
// cluster's Kubernetes version: bad values fail here, before anything is
// applied.
func (r *run) renderChart(ctx context.Context) error {
	user, err := intercept.MergeValues(intercept.RenderOptions{ValuesFiles: r.opts.ValuesFiles, Set: r.opts.Set})
	if err != nil {
		return err
	}
	over, err := r.runningValues(user)
	if err != nil {
		return err
	}
	merged, err := intercept.MergeValues(intercept.RenderOptions{ValuesFiles: r.opts.ValuesFiles, Set: r.opts.Set, Values: over})
	if err != nil {
		return err
	}
	if err := r.namespaceValues(ctx, user, merged); err != nil {
		return err
	}
	rendered, err := intercept.Render(ctx, intercept.RenderOptions{Values: merged, KubeVersion: r.serverVersion()})
	if err != nil {
		return err
	}
	if r.objs, err = rendered.Objects(); err != nil {
		return err
	}
	r.rep.Values = merged
	return nil
}

// checkValues renders the chart with the user's values before the cluster
// is reached, so that a bad value reads as one and not as an unreachable
// cluster. The running release is not known yet: the values are refused
// only when no supported release accepts them (the cilium.version they
// give, if any, else each default release, newest first); renderChart
// renders them again for the running release.
func checkValues(ctx context.Context, opts Options) error {
	user, err := intercept.MergeValues(intercept.RenderOptions{ValuesFiles: opts.ValuesFiles, Set: opts.Set})
	if err != nil {
		return err
	}
	releases := slices.Clone(versions.DefaultReleases())
	slices.Reverse(releases)
	if s, ok := lookup(user, "cilium", "version").(string); ok {
		v, err := versions.ParseCilium(s)
		if err != nil {
			return fmt.Errorf("%w: cilium.version: %w", intercept.ErrInvalidValues, err)
		}
		releases = []versions.Cilium{v}
	}
	var first error
	for _, v := range releases {
		_, err := intercept.Render(ctx, intercept.RenderOptions{ValuesFiles: opts.ValuesFiles, Set: opts.Set, Cilium: v})
		if err == nil || !errors.Is(err, intercept.ErrInvalidValues) {
			return err
		}
		if first == nil {
			first = err
		}
	}
	if len(releases) == 1 {
		return first
	}
	return fmt.Errorf("%w (no supported release, %s, accepts these values: the cluster was not contacted)", first, versions.SupportedRange())
}

// runningValues are the values the running Cilium and cert-manager decide:
// the release, its secrets mode and namespace, and where cert-manager keeps
// ClusterIssuer secrets. A user value that contradicts the cluster is an
// error naming both.
func (r *run) runningValues(user map[string]any) (map[string]any, error) {
	v := r.running.Release
	if s, ok := lookup(user, "cilium", "version").(string); ok {
		given, err := versions.ParseCilium(s)
		if err != nil || given != v {
			return nil, fmt.Errorf("%w: cilium.version %q, but the cluster runs Cilium %s: install renders the chart for the running release; drop cilium.version",
				intercept.ErrInvalidValues, s, v)
		}
	}
	over := map[string]any{"cilium": map[string]any{"version": v.String()}}
	if ciliumtls.ModeOf(v) == ciliumtls.ModeNamespaceSync {
		c := r.running.Secrets()
		if given, ok := lookup(user, "cilium", "secretSync").(bool); ok && given != c.Sync {
			return nil, fmt.Errorf("%w: cilium.secretSync=%t, but the running Cilium has %s", intercept.ErrInvalidValues, given, c.Evidence(r.running.Config))
		}
		over["cilium"].(map[string]any)["secretSync"] = c.Sync
		if c.Namespace != "" {
			over["secretsNamespace"] = map[string]any{"name": c.Namespace}
		}
	}
	if lookup(user, "ca", "namespace") == nil {
		ns := certmanager.Namespace
		if f := r.rep.CertManager.Found; r.rep.CertManager.Action == ActionReuse && f.Deployment != "" {
			ns = f.ClusterResourceNamespace()
		}
		over["ca"] = map[string]any{"namespace": ns}
	}
	return over, nil
}

// namespaceValues turns off the chart's creation of a namespace (the
// secrets namespace on 1.16, the workload's) that exists already and is not
// the chart release's own: Helm would refuse to take it over.
func (r *run) namespaceValues(ctx context.Context, user, merged map[string]any) error {
	defaults, err := chartDefaults()
	if err != nil {
		return err
	}
	for _, ns := range []struct{ name, create []string }{
		{[]string{"secretsNamespace", "name"}, []string{"secretsNamespace", "create"}},
		{[]string{"workload", "namespace"}, []string{"workload", "createNamespace"}},
	} {
		if lookup(user, ns.create...) != nil {
			continue
		}
		name, _ := lookup(merged, ns.name...).(string)
		if name == "" {
			name, _ = lookup(defaults, ns.name...).(string)
		}
		foreign, err := r.foreignNamespace(ctx, name)
		if err != nil {
			return err
		}
		if foreign {
			setPath(merged, false, ns.create...)
		}
	}
	return nil
}

// foreignNamespace reports whether namespace name exists without belonging
// to the chart's Helm release.
func (r *run) foreignNamespace(ctx context.Context, name string) (bool, error) {
	ns, err := r.c.Kube.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read namespace %s: %w", name, err)
	}
	a := ns.Annotations
	return a["meta.helm.sh/release-name"] != intercept.DefaultReleaseName || a["meta.helm.sh/release-namespace"] != intercept.DefaultNamespace, nil
}

// serverVersion is the cluster's Kubernetes version, "" when unknown (the
// chart is then rendered for the node image paired with the release).
func (r *run) serverVersion() string {
	info, err := r.c.Kube.Discovery().ServerVersion()
	if err != nil || info.GitVersion == "" || info.GitVersion == "v0.0.0" {
		return ""
	}
	return info.GitVersion
}

func chartDefaults() (map[string]any, error) {
	c, err := intercept.Chart()
	if err != nil {
		return nil, err
	}
	return c.Values, nil
}

// nameConstrained reports whether the rendered chart has a name-constrained CA Certificate.
func nameConstrained(objs []*unstructured.Unstructured) bool {
	for _, o := range objs {
		if _, ok, _ := unstructured.NestedMap(o.Object, "spec", "nameConstraints"); ok && o.GetKind() == "Certificate" {
			return true
		}
	}
	return false
}

// caNamespace is the merged ca.namespace.
func caNamespace(vals map[string]any) string {
	s, _ := lookup(vals, "ca", "namespace").(string)
	return orDefault(s, intercept.CANamespace)
}

// upstreamTrustSecret is the Secret ("namespace/name") a Bundle of the
// rendered chart writes for the policies' originatingTLS, "" when none does
// (an existing secret is used).
func upstreamTrustSecret(objs []*unstructured.Unstructured) string {
	bundles := map[string]bool{}
	for _, o := range objs {
		if _, ok, _ := unstructured.NestedMap(o.Object, "spec", "target", "secret"); ok && o.GetKind() == "Bundle" {
			bundles[o.GetName()] = true
		}
	}
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" {
			continue
		}
		refs, err := ciliumtls.PolicySecrets(o.Object, false)
		if err != nil {
			continue
		}
		for _, ref := range refs {
			if ref.Direction == ciliumtls.Originating && bundles[ref.Name] {
				return ref.String()
			}
		}
	}
	return ""
}

// lookup returns the value at path of nested maps, nil when absent.
func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, k := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// setPath sets the value at path, creating maps on the way.
func setPath(m map[string]any, value any, path ...string) {
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}
