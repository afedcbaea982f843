package hermetic

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// ChartOptions say which release of the interception chart to install.
type ChartOptions struct {
	// ReleaseName defaults to intercept.DefaultReleaseName.
	ReleaseName string
	// Namespace (the release record's) defaults to intercept.DefaultNamespace.
	Namespace string
	// Cilium sets cilium.version when not zero.
	Cilium versions.Cilium
	// Values are merged over the chart's defaults.
	Values map[string]any
}

func (o ChartOptions) withDefaults() ChartOptions {
	if o.ReleaseName == "" {
		o.ReleaseName = intercept.DefaultReleaseName
	}
	if o.Namespace == "" {
		o.Namespace = intercept.DefaultNamespace
	}
	return o
}

// values merges the options the way `make sandbox` does.
func (o ChartOptions) values() (map[string]any, error) {
	return intercept.MergeValues(intercept.RenderOptions{Cilium: o.Cilium, Values: o.Values})
}

// EnsureChart installs the embedded interception chart, upgrades the
// release when its values changed, or leaves it alone, through the same
// release.EnsureRelease the kind sandbox uses. It does not wait for
// workloads: a hermetic control plane runs no pods.
func (c *ControlPlane) EnsureChart(ctx context.Context, opts ChartOptions) (*release.EnsureResult, error) {
	opts = opts.withDefaults()
	vals, err := opts.values()
	if err != nil {
		return nil, err
	}
	chrt, err := intercept.Chart()
	if err != nil {
		return nil, err
	}
	cfg, err := release.NewConfiguration(c.KubeconfigPath, opts.Namespace, nil)
	if err != nil {
		return nil, err
	}
	res, err := release.EnsureRelease(ctx, release.EnsureInput{
		Config: cfg, Chart: chrt, ReleaseName: opts.ReleaseName, Namespace: opts.Namespace,
		Values: vals, Timeout: timeoutFrom(ctx),
	})
	if err != nil {
		return nil, fmt.Errorf("ensure chart: %w", err)
	}
	return res, nil
}

// UninstallChart removes the interception chart's release. It does not
// wait for deletions to complete: a hermetic control plane runs no namespace
// controller or garbage collector, so a deleted Namespace stays Terminating
// and owned objects (CertificateRequests, trust-manager's targets) remain.
func (c *ControlPlane) UninstallChart(ctx context.Context, opts ChartOptions) error {
	opts = opts.withDefaults()
	cfg, err := release.NewConfiguration(c.KubeconfigPath, opts.Namespace, nil)
	if err != nil {
		return err
	}
	uninstall := action.NewUninstall(cfg)
	uninstall.Timeout = timeoutFrom(ctx)
	if _, err := uninstall.Run(opts.ReleaseName); err != nil {
		return fmt.Errorf("uninstall chart %s: %w", opts.ReleaseName, err)
	}
	return nil
}

// chartNamespaces returns the Namespace objects the chart renders with opts.
func chartNamespaces(ctx context.Context, opts ChartOptions) (map[string]bool, error) {
	opts = opts.withDefaults()
	vals, err := opts.values()
	if err != nil {
		return nil, err
	}
	r, err := intercept.Render(ctx, intercept.RenderOptions{
		Values: vals, ReleaseName: opts.ReleaseName, Namespace: opts.Namespace, KubeVersion: assets.KubernetesVersion,
	})
	if err != nil {
		return nil, err
	}
	objs, err := r.Objects()
	if err != nil {
		return nil, err
	}
	return namespacesOf(objs), nil
}

// namespacesOf returns the names of the Namespace objects among objs.
func namespacesOf(objs []*unstructured.Unstructured) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			out[o.GetName()] = true
		}
	}
	return out
}
