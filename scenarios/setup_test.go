package scenarios

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// suiteState is what the setup built, shared by the features.
type suiteState struct {
	opts runOptions
	// skip says why cluster tests cannot run here; setupErr why the setup
	// failed (each cluster test then fails with it).
	skip     string
	setupErr error

	hermetic *hermetic.ControlPlane
	fake     *upstream.Upstream
	// fakeCerts are the fake upstream's certificates: the hermetic chart's
	// upstream trust holds their CA, as the kind suite's does offline.
	fakeCerts *upstream.Certs
	// cilium is the release's own operator and agent, in a helper, on the
	// hermetic control plane; ciliumSkip says why they do not run, when
	// they do not.
	cilium     *ciliumCluster
	ciliumSkip string
	// agent is the agent provider's data path.
	agent *agentDataPath

	rest *rest.Config
	cs   kubernetes.Interface
	dyn  dynamic.Interface
	exec podexec.Execer
	// sandboxCA are the roots an intercepted chain verifies against;
	// publicRoots those a pass-through chain does (the system roots, or the
	// fake public CA offline).
	sandboxCA, publicRoots *x509.CertPool
	workload               podexec.Target
	// setupArtifacts collects artifacts once for a failed setup.
	setupArtifacts sync.Once
	// tokens are the values the suite put in headerSecret.
	tokens headerTokens
}

// Names in the cluster the scenarios use.
const (
	workloadContainer = "curl"
	caBundleConfigMap = "intercept-ca"
	caBundleKey       = "ca.crt"
)

// setup builds or reaches the cluster for the provider. It never fails the
// suite: a failure is kept in setupErr and fails every cluster test with it.
func (s *suiteState) setup(ctx context.Context, cfg *envconf.Config) (context.Context, error) {
	if s.skip != "" {
		return ctx, nil
	}
	var err error
	switch s.opts.provider {
	case providerKind:
		err = s.setupKind(ctx, cfg)
	case providerHermetic, providerAgent:
		err = s.setupHermetic(ctx, cfg)
	}
	if err == nil && s.skip == "" && !s.opts.hermeticControlPlane() {
		err = s.connect(ctx, cfg)
	}
	if err == nil && s.skip == "" && s.opts.provider == providerKind {
		err = s.setupHeaderSecret(ctx, s.cs, intercept.TLSSecretsNamespace(s.opts.cilium))
	}
	s.setupErr = err
	return ctx, nil
}

// setupHermetic starts the hermetic control plane; without its binaries the
// cluster tests skip.
// The chart goes in with the kind suite's offline values (the fake
// upstream's CA in the upstream trust). When a helper for the release can
// be had (Linux, a Go toolchain), Cilium's chart goes in too and the
// release's own operator and agent run in the helper (the agent tier); the
// agent provider then sets up its data path on them.
func (s *suiteState) setupHermetic(ctx context.Context, cfg *envconf.Config) error {
	h, why, err := ensureHelper(ctx, s.opts.cilium)
	if err != nil {
		return err
	}
	s.ciliumSkip = why
	opts, err := s.hermeticOptions(h != nil)
	if err != nil {
		return err
	}
	cp, err := hermetic.Start(ctx, opts)
	if errors.Is(err, hermetic.ErrNoAssets) {
		s.skip = fmt.Sprintf("needs the hermetic control-plane binaries (%v)", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("start hermetic control plane: %w", err)
	}
	s.hermetic = cp
	cfg.WithKubeconfigFile(cp.KubeconfigPath)
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	if err := s.setupHeaderSecret(ctx, cs, intercept.TLSSecretsNamespace(s.opts.cilium)); err != nil {
		return err
	}
	if h != nil {
		if err := s.startCilium(ctx, cp, h); err != nil {
			return err
		}
	}
	if s.opts.provider != providerAgent {
		return nil
	}
	if h == nil {
		s.skip = "the agent provider's data path: " + why
		return nil
	}
	return s.setupAgentDataPath(ctx, cfg)
}

// connect builds the clients and waits for the workload pod and the sandbox CA.
func (s *suiteState) connect(ctx context.Context, cfg *envconf.Config) error {
	var err error
	if s.rest, err = restConfigOf(cfg); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(s.rest)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	// An unreachable cluster fails now, naming it, rather than after the
	// workload wait with an artifact bundle of connection errors.
	if err := reachable(ctx, cs.Discovery().RESTClient(), cfg.KubeconfigFile(), s.rest.Host); err != nil {
		return err
	}
	s.cs = cs
	if s.dyn, err = dynamic.NewForConfig(s.rest); err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	if s.exec, err = podexec.NewPodExecer(s.rest); err != nil {
		return err
	}
	if s.publicRoots == nil {
		if s.publicRoots, err = x509.SystemCertPool(); err != nil {
			return fmt.Errorf("system roots: %w", err)
		}
	}
	pod, err := waitReadyPod(ctx, s.cs, intercept.WorkloadNamespace, "app="+intercept.WorkloadLabel, s.opts.waitTime)
	if err != nil {
		return err
	}
	s.workload = podexec.Target{Namespace: pod.Namespace, Pod: pod.Name, Container: workloadContainer}
	return s.waitSandboxCA(ctx)
}

// reachTimeout bounds the first request to the cluster.
const reachTimeout = 15 * time.Second

// reachable asks the API server for its version, failing with the
// kubeconfig and server named when it does not answer within reachTimeout.
func reachable(ctx context.Context, c rest.Interface, kubeconfig, host string) error {
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	if _, err := c.Get().AbsPath("/version").Do(ctx).Raw(); err != nil {
		return fmt.Errorf("cluster of --kubeconfig=%q (server %s) is not reachable within %s: %w", kubeconfig, host, reachTimeout, err)
	}
	return nil
}

// restConfigOf returns the REST config of the suite's kubeconfig, keeping
// the client in cfg; a bad kubeconfig is an error, not a panic.
func restConfigOf(cfg *envconf.Config) (*rest.Config, error) {
	c, err := cfg.NewClient()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %q: %w", cfg.KubeconfigFile(), err)
	}
	cfg.WithClient(c)
	return c.RESTConfig(), nil
}

// waitSandboxCA reads the sandbox CA trust-manager distributes to the
// workload namespace, waiting for it to appear.
func (s *suiteState) waitSandboxCA(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, s.opts.waitTime, true, func(ctx context.Context) (bool, error) {
		s.sandboxCA, last = probe.CAFromConfigMap(ctx, s.cs, intercept.WorkloadNamespace, caBundleConfigMap, caBundleKey)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("sandbox CA not readable after %s: %w", s.opts.waitTime, errors.Join(err, last))
	}
	return nil
}

// waitReadyPod returns a running, ready pod matching selector, waiting for one.
func waitReadyPod(ctx context.Context, cs kubernetes.Interface, ns, selector string, timeout time.Duration) (*corev1.Pod, error) {
	var found *corev1.Pod
	seen := "no pod"
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			seen = fmt.Sprintf("pod %s phase %s ready %v", p.Name, p.Status.Phase, podReady(p))
			if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && podReady(p) {
				found = p
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("no ready pod %s in %s after %s (last seen: %s): %w", selector, ns, timeout, seen, err)
	}
	return found, nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// finish stops what the setup started; the kind sandbox stays up for reuse.
func (s *suiteState) finish(ctx context.Context, _ *envconf.Config) (context.Context, error) {
	var errs []error
	if s.fake != nil {
		if s.cs != nil {
			_, err := upstream.RemoveHosts(ctx, s.cs)
			errs = append(errs, err)
		}
		errs = append(errs, s.fake.Stop(ctx))
	}
	errs = append(errs, s.agent.stop(ctx), s.cilium.Stop(ctx))
	if s.hermetic != nil {
		errs = append(errs, s.hermetic.Stop(ctx))
	}
	return ctx, errors.Join(errs...)
}

// require fails t when the setup failed.
func (s *suiteState) require(t *testing.T) {
	t.Helper()
	if s.setupErr != nil {
		s.setupArtifacts.Do(func() {
			if s.cs != nil {
				dir := filepath.Join(s.opts.artifacts, time.Now().UTC().Format("20060102-150405")+"-setup")
				errs := s.collect(context.Background(), dir)
				t.Logf("artifacts of the failed setup: %s (%v)", dir, errors.Join(errs...))
			}
		})
		t.Fatalf("scenario setup (provider %s): %v", s.opts.provider, s.setupErr)
	}
}
