package pipeline

import (
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// DefaultClusterName is the kind cluster's name when none is given.
const DefaultClusterName = "cilium-tls-intercept"

// DefaultKubeconfig is where Up writes the cluster's kubeconfig (mode 0600),
// relative to the working directory.
const DefaultKubeconfig = ".sandbox/kubeconfig"

// Options configure Up, Down, Status and BuildPlan.
type Options struct {
	// ClusterName is the kind cluster's name; DefaultClusterName when empty.
	ClusterName string
	// Cilium is the Cilium release to install; versions.DefaultCilium when zero.
	Cilium versions.Cilium
	// NodeImage overrides the kind node image paired with the Cilium version.
	NodeImage string
	// KubeconfigPath is where the kubeconfig is written; DefaultKubeconfig when empty.
	KubeconfigPath string
	// ChartValues are extra values for the cilium-tls-intercept chart,
	// merged over the values Up derives from the options.
	ChartValues map[string]any
	// KindConfigPath is a kind cluster configuration file used instead of
	// the embedded kind-config.yaml; it must disable the default CNI and kube-proxy.
	KindConfigPath string
	// ChartCacheDir is where downloaded charts are kept; release.DefaultChartCache when empty.
	ChartCacheDir string
	// Timeout bounds each wait and Helm operation of Up; when zero each has
	// its own default (HelmTimeout, cilium.ReadyTimeout,
	// certmanager.ReadyTimeout, WorkloadTimeout).
	Timeout time.Duration
	// ArtifactsDir is where a failed Up writes its artifact bundle (a new
	// directory per run); DefaultArtifactsDir when empty.
	ArtifactsDir string
	// OnStep, when set, is called as each step starts and ends (from the
	// step's goroutine: steps of one stage run concurrently).
	OnStep func(steps.Event)
	// Logf, when set, receives detail (kind's and Helm's progress).
	Logf func(format string, args ...any)
}

// Report is what Up did.
type Report struct {
	ClusterName    string `json:"clusterName"`
	KubeconfigPath string `json:"kubeconfigPath"`
	CiliumVersion  string `json:"ciliumVersion"`
	NodeImage      string `json:"nodeImage"`
	// NodeImageNote says when the node image was given and pairs Cilium
	// with a Kubernetes minor Cilium's own kind CI never ran it on.
	NodeImageNote string         `json:"nodeImageNote,omitempty"`
	Steps         []steps.Result `json:"steps"`
	// Seconds is the wall time of the whole run.
	Seconds float64 `json:"seconds"`
	// Images is what the images step pulled and loaded.
	Images *images.LoadResult `json:"images,omitempty"`
	// Artifacts is the directory of the artifact bundle a failed Up wrote
	// (node logs, component logs, Certificates, pods and events).
	Artifacts string `json:"artifacts,omitempty"`
	// ArtifactsError says why the bundle is missing or incomplete.
	ArtifactsError string `json:"artifactsError,omitempty"`
}

// Changed reports whether any step acted.
func (r *Report) Changed() bool { return steps.Changed(r.Steps) }
