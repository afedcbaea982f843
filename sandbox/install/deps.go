package install

import (
	"context"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// dependency installs cert-manager or trust-manager as up does when it is
// absent or was installed by an earlier Install, and waits until its
// webhook admits its objects; one installed by someone else is used as it is.
func (r *run) dependency(ctx context.Context, d *Dependency) (string, bool, error) {
	if d.Action == ActionReuse {
		return describe(d), false, nil
	}
	name := d.Found.Component.Name
	src, values := certmanager.CertManagerChart(), certmanager.CertManagerValues()
	wait := certmanager.WaitCertManager
	if name == certmanager.TrustManagerRelease {
		src, values, wait = certmanager.TrustManagerChart(), r.trustManagerValues(), certmanager.WaitTrustManager
	}
	c, err := r.c.Chart(ctx, src)
	if err != nil {
		return "", false, err
	}
	detail, changed, err := r.ensure(ctx, name, certmanager.Namespace, c, values)
	if err != nil {
		return detail, changed, err
	}
	return detail, changed, wait(ctx, r.c.Kube, r.c.Dyn, r.opts.Timeout)
}

// trustManagerValues are up's trust-manager values, with the upstream trust
// Secret the chart's Bundle writes and the chart's ca.namespace as the trust
// namespace.
func (r *run) trustManagerValues() map[string]any {
	var names []string
	if s := upstreamTrustSecret(r.objs); s != "" {
		_, name, _ := strings.Cut(s, "/")
		names = append(names, name)
	}
	vals := certmanager.TrustManagerValues(names...)
	setPath(vals, caNamespace(r.rep.Values), "app", "trust", "namespace")
	return vals
}

// installChart installs or upgrades the interception chart with the values
// rendered for the running Cilium.
func installChart(ctx context.Context, r *run) (string, bool, error) {
	c, err := intercept.Chart()
	if err != nil {
		return "", false, err
	}
	return r.ensure(ctx, intercept.DefaultReleaseName, intercept.DefaultNamespace, c, r.rep.Values)
}

// ensure runs release.EnsureRelease, labelling a release it installs as
// Install's own.
func (r *run) ensure(ctx context.Context, name, namespace string, c *chart.Chart, values map[string]any) (string, bool, error) {
	cfg, err := r.c.Helm(namespace)
	if err != nil {
		return "", false, err
	}
	res, err := release.EnsureRelease(ctx, release.EnsureInput{
		Config: cfg, Chart: c, ReleaseName: name, Namespace: namespace, Values: values,
		Timeout: r.opts.Timeout, Labels: map[string]string{OwnerLabel: OwnerValue},
	})
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", name, err)
	}
	return res.Describe(c.Name(), c.Metadata.Version), res.Outcome.Changed(), nil
}
