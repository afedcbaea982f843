package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// HelmTimeout bounds each Helm operation (hooks included).
const HelmTimeout = 5 * time.Minute

// kindAPI is what the steps need of kind (cluster.Kind; a fake in tests).
type kindAPI interface {
	Exists(name string) (bool, error)
	Create(ctx context.Context, in cluster.CreateInput) error
	WriteKubeconfig(name, path string) error
	Kubeconfig(name string) ([]byte, error)
	Nodes(name string) ([]nodes.Node, error)
	CollectLogs(name, dir string) error
}

// clientsFunc builds the Kubernetes clients from a kubeconfig file.
type clientsFunc func(kubeconfig string) (kubernetes.Interface, dynamic.Interface, error)

// doctorFunc returns the source the doctor of a failure bundle reads.
type doctorFunc func(kubeconfig string) (doctor.Source, error)

// liveDoctor is the doctor's live source for the cluster of kubeconfig:
// objects, agent logs, and the agents' data path through exec.
func liveDoctor(kubeconfig string) (doctor.Source, error) { return doctor.NewLiveSource(kubeconfig) }

// state is what the steps of one Up share.
type state struct {
	r        *resolved
	kind     kindAPI
	clients  clientsFunc
	doctor   doctorFunc
	releases []ReleasePlan

	mu     sync.Mutex
	charts map[string]*chart.Chart // by release name
	kube   kubernetes.Interface
	dyn    dynamic.Interface
	images *images.LoadResult
}

func newState(r *resolved) (*state, error) {
	releases, err := releasesFor(r)
	if err != nil {
		return nil, err
	}
	return &state{r: r, kind: cluster.NewKind(kindLogger{r.logf}), clients: kubeClients, doctor: liveDoctor, releases: releases,
		charts: map[string]*chart.Chart{}}, nil
}

// release returns the plan of the named release.
func (st *state) release(name string) ReleasePlan {
	for _, rp := range st.releases {
		if rp.Release == name {
			return rp
		}
	}
	panic("sandbox: unknown release " + name) // the step list names only planned releases
}

// chartOf returns the chart fetched for rp (the embedded chart for ours).
func (st *state) chartOf(rp ReleasePlan) (*chart.Chart, error) {
	if rp.Source.Repo == EmbeddedRepo {
		return intercept.Chart()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.charts[rp.Release]
	if !ok {
		return nil, fmt.Errorf("chart of release %s was not fetched", rp.Release)
	}
	return c, nil
}

// connect builds the Kubernetes clients from the kubeconfig Up wrote.
func (st *state) connect() error { return st.connectWith(st.r.KubeconfigPath) }

// connectWith builds the Kubernetes clients from the kubeconfig file at path.
func (st *state) connectWith(path string) error {
	kube, dyn, err := st.clients(path)
	if err != nil {
		return err
	}
	st.mu.Lock()
	st.kube, st.dyn = kube, dyn
	st.mu.Unlock()
	return nil
}

// kubeClients builds client-go's typed and dynamic clients from kubeconfig.
func kubeClients(kubeconfig string) (kubernetes.Interface, dynamic.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client: %w", err)
	}
	return kube, dyn, nil
}

// ensure installs or upgrades a release with Helm and reports the outcome.
func (st *state) ensure(ctx context.Context, name string) (string, bool, error) {
	rp := st.release(name)
	c, err := st.chartOf(rp)
	if err != nil {
		return "", false, err
	}
	cfg, err := release.NewConfiguration(st.r.KubeconfigPath, rp.Namespace, st.r.logf)
	if err != nil {
		return "", false, err
	}
	res, err := release.EnsureRelease(ctx, release.EnsureInput{
		Config: cfg, Chart: c, ReleaseName: rp.Release, Namespace: rp.Namespace, Values: rp.Values, Timeout: st.r.timeout(HelmTimeout),
	})
	if err != nil {
		return "", false, err
	}
	return res.Describe(rp.Source.Name, rp.Source.Version), res.Outcome.Changed(), nil
}

// kindLogger passes kind's progress to Options.Logf.
type kindLogger struct{ logf func(string, ...any) }

// kindInfo is kind's InfoLogger over the same function.
type kindInfo kindLogger

func (l kindLogger) Warn(m string)                      { l.logf("kind: %s", m) }
func (l kindLogger) Warnf(f string, a ...any)           { l.logf("kind: "+f, a...) }
func (l kindLogger) Error(m string)                     { l.logf("kind: %s", m) }
func (l kindLogger) Errorf(f string, a ...any)          { l.logf("kind: "+f, a...) }
func (l kindLogger) V(kindlog.Level) kindlog.InfoLogger { return kindInfo(l) }
func (l kindInfo) Info(m string)                        { l.logf("kind: %s", m) }
func (l kindInfo) Infof(f string, a ...any)             { l.logf("kind: "+f, a...) }
func (l kindInfo) Enabled() bool                        { return true }
