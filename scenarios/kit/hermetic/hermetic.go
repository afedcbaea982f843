package hermetic

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/crds"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// Namespaces the control plane prepares.
const (
	// CertManagerNamespace is cert-manager's cluster resource namespace and
	// trust-manager's trust namespace, where the chart's CA lives.
	CertManagerNamespace = "cert-manager"
	// SecretsNamespace is Cilium's secrets namespace, where the chart's TLS
	// secrets live on 1.16 and the operator's copies under secret sync.
	SecretsNamespace = ciliumtls.SecretsNamespace
)

// Options configure Start.
type Options struct {
	// AssetsDir holds the kube-apiserver and etcd binaries; empty means the
	// default cache directory (see assets.DefaultDir).
	AssetsDir string
	// CRDs are installed before anything else; crds.All() (Cilium,
	// cert-manager, trust-manager) when nil.
	CRDs []*apiextensionsv1.CustomResourceDefinition
	// Chart is the interception chart release to install; nil installs the
	// embedded chart with its default values. Set NoChart to skip it.
	Chart *ChartOptions
	// NoChart leaves the chart uninstalled (tests that install it themselves).
	NoChart bool
	// Cilium, when set, installs that Cilium release's own Helm chart
	// before cert-manager starts, as `sandbox up` does. Its DaemonSets and
	// Deployments never run pods here; what they configure can be read
	// (cilium-config, RBAC, the secrets namespace).
	Cilium *CiliumOptions
	// Logger receives cert-manager's controller logs; discarded when zero.
	Logger logr.Logger
	// StartTimeout bounds each control-plane process's start; 60s when zero.
	StartTimeout time.Duration
}

// ControlPlane is a running hermetic control plane.
type ControlPlane struct {
	// Config reaches the API server as cluster admin.
	Config *rest.Config
	// KubeconfigPath is a kubeconfig file for the API server.
	KubeconfigPath string
	// Phases are the start steps with their durations, in order.
	Phases []steps.Result

	env     *envtest.Environment
	workDir string
	markers []string // per-run directories on the processes' command lines
	cm      *certManager
	tm      *trustManager
}

// ErrNoAssets means the control-plane binaries are not built yet
// (assets.ErrMissing; build them with assets.Build or `make controlplane`).
var ErrNoAssets = assets.ErrMissing

// Start starts etcd and kube-apiserver, installs the CRDs, creates the
// namespaces, installs Cilium's chart when asked, starts cert-manager's and
// trust-manager's controllers in-process and installs the interception chart. On error everything
// already started is stopped.
func Start(ctx context.Context, opts Options) (cp *ControlPlane, err error) {
	dir, err := assets.Resolve(opts.AssetsDir)
	if err != nil {
		return nil, err
	}
	if err := assets.Check(dir); err != nil {
		return nil, err
	}
	chart := ChartOptions{}
	if opts.Chart != nil {
		chart = *opts.Chart
	}
	// Bad values fail here, before anything is started.
	skip, err := startNamespacesOwned(ctx, opts, chart)
	if err != nil {
		return nil, err
	}
	defs := opts.CRDs
	if defs == nil {
		defs = crds.All()
	}
	log := opts.Logger
	if log.GetSink() == nil {
		// Not logr.Discard(): its nil sink makes controller-runtime fall
		// back to its process-wide logger.
		log = logr.New(discardSink{})
	}
	ctx = logr.NewContext(ctx, log)
	cp = &ControlPlane{}
	defer func() {
		if err != nil {
			err = errors.Join(err, cp.Stop(context.WithoutCancel(ctx)))
			cp = nil
		}
	}()
	do := func(name string, fn func() error) steps.Stage[*ControlPlane] {
		return steps.Stage[*ControlPlane]{{Name: name, Run: func(context.Context, *ControlPlane) (string, bool, error) {
			return "", true, fn()
		}}}
	}
	stages := []steps.Stage[*ControlPlane]{
		do("control plane", func() error { return cp.startEnv(dir, defs, opts.StartTimeout) }),
		do("namespaces", func() error { return cp.createNamespaces(ctx, skip) }),
	}
	if opts.Cilium != nil {
		stages = append(stages, do("cilium chart", func() error { return cp.InstallCilium(ctx, *opts.Cilium) }))
	}
	stages = append(stages,
		do("cert-manager controllers", func() (err error) {
			cp.cm, err = startCertManager(ctx, cp.KubeconfigPath, CertManagerNamespace)
			return err
		}),
		do("trust-manager controller", func() error { return cp.startTrustManager(ctx) }),
	)
	if !opts.NoChart {
		stages = append(stages, do("chart", func() error { _, err := cp.EnsureChart(ctx, chart); return err }))
	}
	cp.Phases, err = steps.Run(ctx, cp, stages, nil)
	if err != nil {
		return cp, err
	}
	return cp, nil
}

// startTrustManager starts trust-manager with a default CA package made
// from the system trust store.
func (c *ControlPlane) startTrustManager(ctx context.Context) error {
	pkg, err := writeDefaultPackage(SystemTrustBundle, c.workDir)
	if err != nil {
		return err
	}
	c.tm, err = startTrustManager(ctx, c.Config, CertManagerNamespace, pkg)
	return err
}

// startEnv starts etcd and kube-apiserver through envtest, installs the
// CRDs and writes a kubeconfig.
func (c *ControlPlane) startEnv(assetsDir string, crds []*apiextensionsv1.CustomResourceDefinition, timeout time.Duration) error {
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	existing := false
	c.env = &envtest.Environment{
		BinaryAssetsDirectory:    assetsDir,
		CRDs:                     crds,
		UseExistingCluster:       &existing,
		ControlPlaneStartTimeout: timeout,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	// envtest prefers KUBEBUILDER_ASSETS over BinaryAssetsDirectory; pin the
	// binaries so a stray variable cannot swap the API server version.
	c.env.ControlPlane.GetAPIServer().Path = filepath.Join(assetsDir, assets.APIServerBinary)
	c.env.ControlPlane.Etcd = &envtest.Etcd{Path: filepath.Join(assetsDir, assets.EtcdBinary)}
	cfg, err := c.env.Start()
	if err != nil {
		return fmt.Errorf("start kube-apiserver and etcd: %w", err)
	}
	c.Config = cfg
	c.markers = []string{c.env.ControlPlane.Etcd.DataDir, c.env.ControlPlane.APIServer.CertDir}
	if c.workDir, err = os.MkdirTemp("", "hermetic-controlplane-"); err != nil {
		return err
	}
	c.KubeconfigPath = filepath.Join(c.workDir, "kubeconfig")
	return os.WriteFile(c.KubeconfigPath, c.env.KubeConfig, 0o600)
}

// Stop stops cert-manager's controllers, kube-apiserver and etcd, and
// removes the kubeconfig. It is safe on a partly started control plane.
func (c *ControlPlane) Stop(ctx context.Context) error {
	if c == nil {
		return nil
	}
	var errs []error
	if c.tm != nil {
		errs = append(errs, c.tm.stop())
		c.tm = nil
	}
	if c.cm != nil {
		errs = append(errs, c.cm.stop())
		c.cm = nil
	}
	if c.env != nil {
		done := make(chan error, 1)
		go func() { done <- c.env.Stop() }()
		select {
		case err := <-done:
			errs = append(errs, err)
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("stop control plane: %w", ctx.Err()))
		}
		c.env = nil
	}
	if c.workDir != "" {
		errs = append(errs, os.RemoveAll(c.workDir))
		c.workDir = ""
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop hermetic control plane: %w", err)
	}
	return nil
}

// timeoutFrom returns the time left before ctx's deadline, or two minutes.
func timeoutFrom(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return 2 * time.Minute
}

// discardSink drops every log line; Enabled is false so nothing is formatted.
type discardSink struct{}

func (discardSink) Init(logr.RuntimeInfo)            {}
func (discardSink) Enabled(int) bool                 { return false }
func (discardSink) Info(int, string, ...any)         {}
func (discardSink) Error(error, string, ...any)      {}
func (d discardSink) WithValues(...any) logr.LogSink { return d }
func (d discardSink) WithName(string) logr.LogSink   { return d }
