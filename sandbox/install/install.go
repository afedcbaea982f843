package install

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// run is what the steps of one Install or Uninstall share.
type run struct {
	opts    Options
	c       *Cluster
	rep     *Report
	running *cilium.Running
	// objs is the chart rendered with rep.Values.
	objs []*unstructured.Unstructured
}

// Install puts the interception chart and what it needs onto the cluster,
// or completes an earlier Install: a second run changes nothing. The
// Report holds every step even when Install fails; the error names the
// step, and wraps ErrCiliumLacks or ErrDependencyLacks when the cluster
// lacks what the chart needs (nothing has been changed then). Values the
// chart refuses fail first, without a Report, before the cluster is reached.
func Install(ctx context.Context, opts Options) (*Report, error) {
	if err := checkValues(ctx, opts); err != nil {
		return nil, err
	}
	r, err := newRun(opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	r.rep.Steps, err = steps.Run(ctx, r, installStages(), opts.OnStep)
	r.rep.Seconds = steps.Seconds(time.Since(start))
	return r.rep, err
}

func newRun(opts Options) (*run, error) {
	opts.CiliumNamespace = orDefault(opts.CiliumNamespace, cilium.Namespace)
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	c := opts.Cluster
	if c == nil {
		var err error
		if c, err = Connect(opts); err != nil {
			return nil, err
		}
	}
	if _, err := c.Kube.Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("reach the cluster of %s: %w", c.Name, err)
	}
	return &run{opts: opts, c: c, rep: &Report{Cluster: c.Name}}, nil
}

// installStages is Install's ordered list of steps: the first two only look.
func installStages() []steps.Stage[*run] {
	return []steps.Stage[*run]{
		{{Name: "cilium", Run: checkCilium}},
		{{Name: "dependencies", Run: lookAtDependencies}},
		{{Name: "cert-manager", Run: func(ctx context.Context, r *run) (string, bool, error) { return r.dependency(ctx, r.rep.CertManager) }}},
		{{Name: "trust-manager", Run: func(ctx context.Context, r *run) (string, bool, error) { return r.dependency(ctx, r.rep.TrustManager) }}},
		{{Name: "chart", Run: installChart}},
		{{Name: "ready", Run: waitReady}},
	}
}

// checkCilium reads the running Cilium and judges it.
func checkCilium(ctx context.Context, r *run) (string, bool, error) {
	running, err := cilium.ReadRunning(ctx, r.c.Kube, r.opts.CiliumNamespace)
	if err != nil {
		return "", false, err
	}
	r.running = running
	r.rep.CiliumVersion = running.Version
	check := cilium.CheckRunning(running)
	r.rep.Cilium = check
	r.rep.KnownBugs = knownBugs(running.Version)
	if check.OK() {
		return check.Summary() + knownBugsNote(r.rep.KnownBugs), false, nil
	}
	if r.opts.SkipCiliumCheck {
		return check.Summary() + " (--skip-cilium-check: installing anyway)", false, nil
	}
	var titles []string
	for _, n := range check.Missing() {
		titles = append(titles, n.Title)
	}
	return "", false, fmt.Errorf("%w: %s", ErrCiliumLacks, strings.Join(titles, ", "))
}

// lookAtDependencies finds cert-manager and trust-manager, renders the chart
// for the running release with what they decide (ca.namespace), and checks
// those installed by someone else for what the chart needs.
func lookAtDependencies(ctx context.Context, r *run) (string, bool, error) {
	cm, err := r.lookUp(ctx, certmanager.CertManager)
	if err != nil {
		return "", false, err
	}
	tm, err := r.lookUp(ctx, certmanager.TrustManager)
	if err != nil {
		return "", false, err
	}
	r.rep.CertManager, r.rep.TrustManager = cm, tm
	if err := r.renderChart(ctx); err != nil {
		return "", false, err
	}
	if cm.Action == ActionReuse {
		cm.Needs = certmanager.CertManagerNeeds(ctx, cm.Found, r.c.Dyn, nameConstrained(r.objs))
	}
	if tm.Action == ActionReuse {
		tm.Needs = certmanager.TrustManagerNeeds(ctx, r.c.Kube, tm.Found, certmanager.TrustInput{
			CANamespace: caNamespace(r.rep.Values), Secret: upstreamTrustSecret(r.objs)})
	}
	detail := fmt.Sprintf("cert-manager: %s, trust-manager: %s", describe(cm), describe(tm))
	var lacking []string
	for _, d := range []*Dependency{cm, tm} {
		for _, n := range d.Missing() {
			lacking = append(lacking, n.Title)
		}
	}
	if len(lacking) > 0 {
		return detail, false, fmt.Errorf("%w: %s", ErrDependencyLacks, strings.Join(lacking, ", "))
	}
	return detail, false, nil
}

// lookUp decides what Install does with a component: ensure the release an
// earlier Install made, reuse one found, or install it when absent.
func (r *run) lookUp(ctx context.Context, comp certmanager.Component) (*Dependency, error) {
	found, err := certmanager.Find(ctx, r.c.Kube, comp)
	if err != nil {
		return nil, err
	}
	rel, err := r.lastRelease(certmanager.Namespace, comp.Name)
	if err != nil {
		return nil, err
	}
	d := &Dependency{Found: found}
	switch {
	case rel != nil && rel.Labels[OwnerLabel] == OwnerValue:
		d.Action = ActionEnsure
	case found.Present() || rel != nil:
		d.Action = ActionReuse
	default:
		d.Action = ActionInstall
	}
	return d, nil
}

// lastRelease returns the latest record of a Helm release, nil when none.
func (r *run) lastRelease(namespace, name string) (*helmrelease.Release, error) {
	cfg, err := r.c.Helm(namespace)
	if err != nil {
		return nil, err
	}
	rel, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release %s/%s: read history: %w", namespace, name, err)
	}
	return rel, nil
}

func describe(d *Dependency) string {
	switch d.Action {
	case ActionInstall:
		return "absent, to install"
	case ActionEnsure:
		return "installed by sandbox install"
	}
	where := "its API"
	if d.Found.Deployment != "" {
		where = d.Found.Deployment
		if d.Found.Version != "" {
			where += " " + d.Found.Version
		}
	}
	return "found (" + where + "), reused"
}
