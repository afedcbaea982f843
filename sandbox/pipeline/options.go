package pipeline

import (
	"fmt"
	"os"
	"strings"
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
		r.nodeImage.Note = pairingNote(v, r.nodeImage)
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

// pairingNote says when a node image given by the user runs another
// Kubernetes minor than the one Cilium release v is paired with here, the
// one its own kind CI runs it on (versions.NodeImageFor): a pairing that CI
// never ran.
func pairingNote(v versions.Cilium, img versions.NodeImage) string {
	paired := versions.NodeImageFor(v)
	switch {
	case img.Kubernetes == "":
		return fmt.Sprintf("the image's tag names no Kubernetes version; Cilium %s's own kind CI runs Kubernetes %s (the image paired here is %s)",
			v, kubeMinor(paired.Kubernetes), paired.Kubernetes)
	case kubeMinor(img.Kubernetes) != kubeMinor(paired.Kubernetes):
		return fmt.Sprintf("Kubernetes %s with Cilium %s is a pairing Cilium's own kind CI never ran: it runs %s on %s (the image paired here is %s)",
			img.Kubernetes, v, v.MinorString(), kubeMinor(paired.Kubernetes), paired.Kubernetes)
	}
	return ""
}

// kubeMinor returns "1.33" of "v1.33.4".
func kubeMinor(tag string) string {
	parts := strings.SplitN(strings.TrimPrefix(tag, "v"), ".", 3)
	if len(parts) < 2 {
		return tag
	}
	return parts[0] + "." + parts[1]
}

// timeout is Options.Timeout, or def when it is zero (or r is nil: a
// state made without options, in tests).
func (r *resolved) timeout(def time.Duration) time.Duration {
	if r != nil && r.Timeout > 0 {
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
