package pipeline

import (
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"

	"github.com/cilium-tls-intercept/sandbox"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// resolved are the options with defaults applied and every value checked.
type resolved struct {
	Options
	cilium     versions.Cilium
	nodeImage  versions.NodeImage
	kindConfig *v1alpha4.Cluster
}

// resolve applies defaults and validates every option before anything is
// touched, so bad input fails with a message naming the bad value.
func resolve(opts Options) (*resolved, error) {
	r := &resolved{Options: opts}
	if r.ClusterName == "" {
		r.ClusterName = DefaultClusterName
	}
	if r.KubeconfigPath == "" {
		r.KubeconfigPath = DefaultKubeconfig
	}
	if r.ChartCacheDir == "" {
		r.ChartCacheDir = release.DefaultChartCache
	}
	v := r.Cilium.OrDefault()
	r.cilium = v
	r.nodeImage = versions.NodeImageFor(v)
	var err error
	if r.NodeImage != "" {
		if r.nodeImage, err = versions.CustomNodeImage(r.NodeImage); err != nil {
			return nil, err
		}
	}
	raw := sandbox.KindConfig()
	if r.KindConfigPath != "" {
		raw, err = os.ReadFile(r.KindConfigPath)
		if err != nil {
			return nil, fmt.Errorf("kind config: %w", err)
		}
	}
	cfg, err := cluster.LoadConfig(raw)
	if err != nil {
		if r.KindConfigPath != "" {
			return nil, fmt.Errorf("%s: %w", r.KindConfigPath, err)
		}
		return nil, err
	}
	r.kindConfig = cluster.ConfigFor(cfg, r.ClusterName, r.nodeImage.Ref)
	if err := checkClusterName(r.ClusterName); err != nil {
		return nil, err
	}
	if r.Timeout < 0 {
		return nil, fmt.Errorf("invalid timeout %s: give a positive duration, such as 10m", r.Timeout)
	}
	return r, nil
}

// checkClusterName applies kind's naming rule to the --cluster-name value.
func checkClusterName(name string) error {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return fmt.Errorf("invalid cluster name %q: kind allows lowercase letters, digits, '-' and '.'", name)
		}
	}
	return nil
}

// timeout is Options.Timeout, or def when it is zero.
func (r *resolved) timeout(def time.Duration) time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return def
}

// logf sends detail to Options.Logf when set.
func (r *resolved) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}
