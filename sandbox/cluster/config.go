package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
)

// noKubeProxy is the kubeProxyMode that makes kind skip kube-proxy.
const noKubeProxy v1alpha4.ProxyMode = "none"

// validClusterName is kind's own rule for cluster names (pkg/internal/apis/config).
var validClusterName = regexp.MustCompile(`^[a-z0-9.-]+$`)

// LoadConfig decodes a kind cluster configuration the way kind does (strict
// YAML into kind's public v1alpha4 types, then kind's defaults) and checks
// what kind would reject plus what the sandbox needs: no default CNI and no
// kube-proxy, because Cilium is the CNI and replaces kube-proxy.
func LoadConfig(raw []byte) (*v1alpha4.Cluster, error) {
	var tm struct {
		Kind       string `yaml:"kind"`
		APIVersion string `yaml:"apiVersion"`
	}
	if err := yaml.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	if tm.APIVersion != "kind.x-k8s.io/v1alpha4" || tm.Kind != "Cluster" {
		return nil, fmt.Errorf("kind config: want kind Cluster, apiVersion kind.x-k8s.io/v1alpha4; got kind %q, apiVersion %q", tm.Kind, tm.APIVersion)
	}
	cfg := &v1alpha4.Cluster{}
	d := yaml.NewDecoder(bytes.NewReader(raw))
	d.KnownFields(true)
	if err := d.Decode(cfg); err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	v1alpha4.SetDefaultsCluster(cfg)
	if err := validateConfig(cfg); err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	return cfg, nil
}

// validateConfig repeats kind's checks that apply before a cluster exists
// and adds the sandbox's own.
func validateConfig(cfg *v1alpha4.Cluster) error {
	var errs []error
	if cfg.Name != "" && !validClusterName.MatchString(cfg.Name) {
		errs = append(errs, fmt.Errorf("name %q is not a valid kind cluster name (want %s)", cfg.Name, validClusterName))
	}
	for _, s := range []struct{ field, value string }{
		{"networking.podSubnet", cfg.Networking.PodSubnet},
		{"networking.serviceSubnet", cfg.Networking.ServiceSubnet},
	} {
		for _, cidr := range strings.Split(s.value, ",") {
			if _, err := netip.ParsePrefix(strings.TrimSpace(cidr)); err != nil {
				errs = append(errs, fmt.Errorf("%s %q is not a CIDR", s.field, s.value))
			}
		}
	}
	if !cfg.Networking.DisableDefaultCNI {
		errs = append(errs, errors.New("networking.disableDefaultCNI must be true: Cilium is the cluster's CNI"))
	}
	if cfg.Networking.KubeProxyMode != noKubeProxy {
		errs = append(errs, fmt.Errorf("networking.kubeProxyMode is %q, must be %q: Cilium replaces kube-proxy", cfg.Networking.KubeProxyMode, noKubeProxy))
	}
	controlPlanes := 0
	for i, n := range cfg.Nodes {
		switch n.Role {
		case v1alpha4.ControlPlaneRole:
			controlPlanes++
		case v1alpha4.WorkerRole:
		default:
			errs = append(errs, fmt.Errorf("nodes[%d].role %q is not %q or %q", i, n.Role, v1alpha4.ControlPlaneRole, v1alpha4.WorkerRole))
		}
	}
	if controlPlanes == 0 {
		errs = append(errs, errors.New("nodes: at least one control-plane node is required"))
	}
	return errors.Join(errs...)
}

// ConfigFor returns cfg with the cluster name and, when image is not empty,
// every node's image set: what Create passes to kind.
func ConfigFor(cfg *v1alpha4.Cluster, name, image string) *v1alpha4.Cluster {
	out := cfg.DeepCopy()
	if name != "" {
		out.Name = name
	}
	if image != "" {
		for i := range out.Nodes {
			out.Nodes[i].Image = image
		}
	}
	return out
}
