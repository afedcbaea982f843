package hermetic

import (
	"context"
	"fmt"
	"os"

	"github.com/mitchellh/copystructure"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// CiliumClusterName is the kind cluster name Cilium's values are made for
// on the hermetic control plane; it only names the API server host the
// agent pods would use, and no pod runs here.
const CiliumClusterName = "hermetic"

// CiliumOptions say which Cilium release's own Helm chart Start installs.
type CiliumOptions struct {
	// Version is the Cilium release. Its chart is loaded offline from the
	// Go module cache, which holds it for the cilium module in go.mod.
	Version versions.Cilium
	// Values are merged over the sandbox's values for Version
	// (sandbox/cilium.Values), as `sandbox up` installs them.
	Values map[string]any
}

// CiliumValues returns the values Cilium's chart is installed with on the
// hermetic control plane: the sandbox's for opts.Version, opts.Values over them.
func CiliumValues(opts CiliumOptions) (map[string]any, error) {
	vals := cilium.Values(opts.Version, cilium.ValuesInput{ClusterName: CiliumClusterName})
	if len(opts.Values) == 0 {
		return vals, nil
	}
	over, err := copystructure.Copy(opts.Values) // CoalesceTables merges into it
	if err != nil {
		return nil, fmt.Errorf("cilium values: %w", err)
	}
	return chartutil.CoalesceTables(over.(map[string]any), vals), nil
}

// RenderCilium renders Cilium's chart offline with CiliumValues(opts), as
// `helm template` would, without installing it.
func RenderCilium(ctx context.Context, opts CiliumOptions) ([]*unstructured.Unstructured, error) {
	chrt, err := loadCiliumChart(opts.Version)
	if err != nil {
		return nil, err
	}
	vals, err := CiliumValues(opts)
	if err != nil {
		return nil, err
	}
	r, err := release.Render(ctx, release.RenderInput{
		Chart: chrt, ReleaseName: cilium.ReleaseName, Namespace: cilium.Namespace,
		Values: vals, KubeVersion: assets.KubernetesVersion,
	})
	if err != nil {
		return nil, err
	}
	return r.Objects()
}

// InstallCilium installs (or upgrades) Cilium's chart as the sandbox does,
// through release.EnsureRelease. Nothing it deploys runs: there are no nodes
// or controllers here, so its DaemonSets and Deployments stay at zero pods.
func (c *ControlPlane) InstallCilium(ctx context.Context, opts CiliumOptions) error {
	chrt, err := loadCiliumChart(opts.Version)
	if err != nil {
		return err
	}
	vals, err := CiliumValues(opts)
	if err != nil {
		return err
	}
	cfg, err := release.NewConfiguration(c.KubeconfigPath, cilium.Namespace, nil)
	if err != nil {
		return err
	}
	_, err = release.EnsureRelease(ctx, release.EnsureInput{
		Config: cfg, Chart: chrt, ReleaseName: cilium.ReleaseName, Namespace: cilium.Namespace,
		Values: vals, Timeout: timeoutFrom(ctx),
	})
	if err != nil {
		return fmt.Errorf("install cilium %s chart: %w", opts.Version, err)
	}
	return nil
}

// ciliumNamespaces returns the Namespace objects Cilium's chart renders
// (the secrets namespace from 1.17), which Start then leaves to it.
func ciliumNamespaces(ctx context.Context, opts CiliumOptions) (map[string]bool, error) {
	objs, err := RenderCilium(ctx, opts)
	if err != nil {
		return nil, err
	}
	return namespacesOf(objs), nil
}

// loadCiliumChart loads release v's chart without the network. An empty
// chart cache makes release.LoadOffline take it from the Go module cache,
// never from a file some earlier run left.
func loadCiliumChart(v versions.Cilium) (*chart.Chart, error) {
	empty, err := os.MkdirTemp("", "hermetic-cilium-chart-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(empty)
	c, _, err := release.LoadOffline(cilium.Chart(v), empty)
	if err != nil {
		return nil, fmt.Errorf("cilium %s chart: %w", v, err)
	}
	return c, nil
}
