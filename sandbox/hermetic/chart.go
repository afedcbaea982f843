package hermetic

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	sandboxfiles "github.com/cilium-tls-intercept/sandbox"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// Chart release defaults.
const (
	// DefaultReleaseName is the interception chart's release name.
	DefaultReleaseName = "cilium-tls-intercept"
	// DefaultReleaseNamespace is where the release record is kept.
	DefaultReleaseNamespace = "intercept-system"
)

// ChartOptions say which release of the interception chart to install.
type ChartOptions struct {
	// ReleaseName defaults to DefaultReleaseName.
	ReleaseName string
	// Namespace defaults to DefaultReleaseNamespace; created when missing.
	Namespace string
	// Values are merged over the chart's defaults.
	Values map[string]any
}

func (o ChartOptions) withDefaults() ChartOptions {
	if o.ReleaseName == "" {
		o.ReleaseName = DefaultReleaseName
	}
	if o.Namespace == "" {
		o.Namespace = DefaultReleaseNamespace
	}
	if o.Values == nil {
		o.Values = map[string]any{}
	}
	return o
}

// EnsureChart installs the embedded interception chart, or upgrades the
// release when it exists, with opts.Values. It does not wait for workloads:
// a hermetic control plane runs no pods.
func (c *ControlPlane) EnsureChart(ctx context.Context, opts ChartOptions) (*helmrelease.Release, error) {
	opts = opts.withDefaults()
	chrt, err := release.LoadChartFS(sandboxfiles.InterceptChart())
	if err != nil {
		return nil, err
	}
	cfg, err := c.helmConfig(opts.Namespace)
	if err != nil {
		return nil, err
	}
	if _, err := action.NewHistory(cfg).Run(opts.ReleaseName); errors.Is(err, driver.ErrReleaseNotFound) {
		install := action.NewInstall(cfg)
		install.ReleaseName = opts.ReleaseName
		install.Namespace = opts.Namespace
		install.CreateNamespace = true
		rel, err := install.RunWithContext(ctx, chrt, opts.Values)
		if err != nil {
			return nil, fmt.Errorf("install chart %s: %w", opts.ReleaseName, err)
		}
		return rel, nil
	} else if err != nil {
		return nil, fmt.Errorf("release history %s: %w", opts.ReleaseName, err)
	}
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace = opts.Namespace
	rel, err := upgrade.RunWithContext(ctx, opts.ReleaseName, chrt, opts.Values)
	if err != nil {
		return nil, fmt.Errorf("upgrade chart %s: %w", opts.ReleaseName, err)
	}
	return rel, nil
}

// UninstallChart removes the interception chart's release and waits until
// the objects Helm deleted are gone.
func (c *ControlPlane) UninstallChart(ctx context.Context, opts ChartOptions) error {
	opts = opts.withDefaults()
	cfg, err := c.helmConfig(opts.Namespace)
	if err != nil {
		return err
	}
	uninstall := action.NewUninstall(cfg)
	uninstall.Wait = true
	uninstall.Timeout = timeoutFrom(ctx)
	if _, err := uninstall.Run(opts.ReleaseName); err != nil {
		return fmt.Errorf("uninstall chart %s: %w", opts.ReleaseName, err)
	}
	return nil
}

// helmConfig returns a Helm action configuration for the control plane's
// kubeconfig, storing releases as secrets in namespace.
func (c *ControlPlane) helmConfig(namespace string) (*action.Configuration, error) {
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &c.KubeconfigPath
	flags.Namespace = &namespace
	cfg := &action.Configuration{}
	if err := cfg.Init(flags, namespace, "secret", func(string, ...any) {}); err != nil {
		return nil, fmt.Errorf("helm configuration: %w", err)
	}
	return cfg, nil
}
