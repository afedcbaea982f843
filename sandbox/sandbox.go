package sandbox

import (
	"context"
	"errors"
	"time"
)

// DefaultClusterName is the kind cluster's name when none is given.
const DefaultClusterName = "cilium-tls-intercept"

// DefaultKubeconfig is where Up writes the cluster's kubeconfig (mode 0600),
// relative to the working directory.
const DefaultKubeconfig = ".sandbox/kubeconfig"

// Options configure Up and Down.
type Options struct {
	// ClusterName is the kind cluster's name; DefaultClusterName when empty.
	ClusterName string
	// CiliumVersion is the Cilium release to install; versions.DefaultCilium when empty.
	CiliumVersion string
	// NodeImage overrides the kind node image paired with the Cilium version.
	NodeImage string
	// KubeconfigPath is where the kubeconfig is written; DefaultKubeconfig when empty.
	KubeconfigPath string
	// ChartValues are extra values for the cilium-tls-intercept chart,
	// merged over the values Up derives from the options.
	ChartValues map[string]any
}

// StepResult is the outcome of one step of Up.
type StepResult struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration"`
	Changed  bool          `json:"changed"`
	Error    string        `json:"error,omitempty"`
}

// Report is what Up did.
type Report struct {
	ClusterName    string       `json:"clusterName"`
	KubeconfigPath string       `json:"kubeconfigPath"`
	CiliumVersion  string       `json:"ciliumVersion"`
	Steps          []StepResult `json:"steps"`
}

// errNotImplemented is returned until the sandbox steps land.
var errNotImplemented = errors.New("sandbox up is not implemented yet")

// Up brings the sandbox up, or completes it when it is partly there.
func Up(ctx context.Context, opts Options) (*Report, error) { return nil, errNotImplemented }

// Down deletes the sandbox's kind cluster and nothing else.
func Down(ctx context.Context, opts Options) error { return errNotImplemented }
