package install

import (
	"context"
	"errors"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/kubeconfig"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// The label Install writes on the Helm record of every release it installs
// (release.EnsureInput.Labels): Uninstall removes only releases carrying it.
const (
	OwnerLabel = "sandbox.cilium-tls-intercept/installed-by"
	OwnerValue = "sandbox-install"
)

// DefaultTimeout bounds each wait of Install and each Helm operation.
const DefaultTimeout = 5 * time.Minute

// Errors for the states the CLI must tell apart.
var (
	// ErrCiliumLacks: the running Cilium lacks what interception needs
	// (Report.Cilium says what, and the helm line that adds it).
	ErrCiliumLacks = errors.New("the running Cilium lacks what interception needs")
	// ErrDependencyLacks: a cert-manager or trust-manager installed by
	// someone else lacks what the chart needs (Report says what and how to
	// add it).
	ErrDependencyLacks = errors.New("an existing dependency lacks what the chart needs")
)

// Options configure Install and Uninstall.
type Options struct {
	// Kubeconfig and Context select the cluster; empty follows client-go's
	// loading rules ($KUBECONFIG, else ~/.kube/config; its current context).
	Kubeconfig, Context string
	// CiliumNamespace is where Cilium's agents run; cilium.Namespace when empty.
	CiliumNamespace string
	// ValuesFiles and Set are values of the interception chart, as helm's
	// -f and --set take them. Install adds what the running Cilium decides
	// (cilium.version, cilium.secretSync, secretsNamespace.name).
	ValuesFiles []string
	Set         []string
	// SkipCiliumCheck installs even when the running Cilium lacks what
	// interception needs (the lack is still reported).
	SkipCiliumCheck bool
	// ChartCacheDir is where downloaded charts are kept;
	// release.DefaultChartCache when empty.
	ChartCacheDir string
	// Timeout bounds each wait and Helm operation; DefaultTimeout when zero.
	Timeout time.Duration
	// OnStep, when set, is called as each step starts and ends.
	OnStep func(steps.Event)
	// Logf, when set, receives Helm's progress.
	Logf func(format string, args ...any)
	// Cluster reaches the cluster; nil connects through Kubeconfig and
	// Context. Tests pass fake clients and Helm's in-memory storage.
	Cluster *Cluster
}

// Cluster is how Install reaches a cluster.
type Cluster struct {
	Kube kubernetes.Interface
	Dyn  dynamic.Interface
	// Helm returns Helm's action configuration for releases in namespace.
	Helm func(namespace string) (*action.Configuration, error)
	// Chart loads a dependency's chart (downloaded into the chart cache
	// unless there already).
	Chart func(ctx context.Context, src release.Source) (*chart.Chart, error)
	// Name names the cluster in reports (context and server).
	Name string
}

// Connect builds the clients of the cluster kubeconfig's context names.
func Connect(opts Options) (*Cluster, error) {
	k, err := kubeconfig.Open(opts.Kubeconfig, opts.Context)
	if err != nil {
		return nil, err
	}
	cfg := k.REST
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	cache := orDefault(opts.ChartCacheDir, release.DefaultChartCache)
	return &Cluster{Kube: kube, Dyn: dyn, Name: k.Describe(),
		Helm: func(ns string) (*action.Configuration, error) {
			return release.NewConfigurationFor(opts.Kubeconfig, opts.Context, ns, opts.Logf)
		},
		Chart: func(ctx context.Context, src release.Source) (*chart.Chart, error) {
			c, _, err := release.Fetch(ctx, src, cache)
			return c, err
		},
	}, nil
}

// Report is what Install or Uninstall found and did.
type Report struct {
	// Cluster names the cluster (kubeconfig context and API server).
	Cluster string `json:"cluster"`
	// CiliumVersion is the running Cilium release.
	CiliumVersion string `json:"ciliumVersion,omitempty"`
	// Cilium is the running Cilium judged against what interception needs.
	Cilium *cilium.Check `json:"cilium,omitempty"`
	// KnownBugs warn about the known bugs of the running Cilium release
	// that every interception install meets (versions.InstallWarningTexts).
	KnownBugs []string `json:"knownBugs,omitempty"`
	// CertManager and TrustManager say how each was found and what Install
	// does with it.
	CertManager  *Dependency `json:"certManager,omitempty"`
	TrustManager *Dependency `json:"trustManager,omitempty"`
	// Values are the chart values Install rendered for the running release.
	Values map[string]any `json:"values,omitempty"`
	// Steps are the timed steps, in order; Seconds the whole run.
	Steps   []steps.Result `json:"steps"`
	Seconds float64        `json:"seconds"`
	// Leaves says what Uninstall left in the cluster, and why.
	Leaves []string `json:"leaves,omitempty"`
}

// Changed reports whether any step acted.
func (r *Report) Changed() bool { return steps.Changed(r.Steps) }

// Action is what Install does with a dependency.
type Action string

// The actions on cert-manager and trust-manager.
const (
	// ActionInstall: absent, so Install installs it (and owns it).
	ActionInstall Action = "install"
	// ActionEnsure: installed by an earlier Install; kept as it wants it.
	ActionEnsure Action = "ensure"
	// ActionReuse: installed by someone else; used as it is when it has
	// what the chart needs.
	ActionReuse Action = "reuse"
)

// Dependency is cert-manager or trust-manager as Install found it.
type Dependency struct {
	Action Action             `json:"action"`
	Found  *certmanager.Found `json:"found"`
	// Needs are what the chart needs of one Install reuses.
	Needs []certmanager.Need `json:"needs,omitempty"`
}

// Missing returns the needs not met.
func (d *Dependency) Missing() []certmanager.Need {
	var out []certmanager.Need
	for _, n := range d.Needs {
		if !n.Met {
			out = append(out, n)
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
