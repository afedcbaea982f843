package install_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/install"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/ciliumstate"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// existingCluster is the hermetic control plane standing in for a cluster
// that runs Cilium (ciliumstate.Existing): its own cert-manager is present
// and reused.
type existingCluster struct{ *ciliumstate.Existing }

func (e *existingCluster) options(t *testing.T) install.Options {
	return install.Options{Kubeconfig: e.CP.KubeconfigPath, Timeout: 2 * time.Minute, ChartCacheDir: t.TempDir(),
		// The hermetic control plane runs no pods: the test workload could
		// never roll out. The policies go into an existing app namespace.
		Set: []string{"workload.enabled=false", "caBundle.enabled=false"}}
}

func TestInstallOnExistingCluster(t *testing.T) {
	e := &existingCluster{ciliumstate.StartExisting(t)}
	t.Run("each release lacking one setting", func(t *testing.T) { e.lackingReleases(t) })
	t.Run("install, interrupted, completed, idempotent, uninstalled", func(t *testing.T) { e.lifecycle(t) })
}

// lackingReleases: for each release 1.16 to 1.20 lacking one setting,
// install names it with the helm line that adds it, exits with
// ErrCiliumLacks and changes nothing.
func (e *existingCluster) lackingReleases(t *testing.T) {
	for _, l := range ciliumstate.Lacking() {
		t.Run(l.Release.MinorString()+"/"+l.Missing, func(t *testing.T) {
			defer e.RunCilium(t, l.Release, l.Over)()
			rep, err := install.Install(context.Background(), e.options(t))
			if !errors.Is(err, install.ErrCiliumLacks) {
				t.Fatalf("Install error = %v, want ErrCiliumLacks", err)
			}
			var missing []string
			for _, n := range rep.Cilium.Missing() {
				missing = append(missing, n.ID)
			}
			if !slices.Equal(missing, []string{l.Missing}) {
				t.Fatalf("missing %v, want [%s]", missing, l.Missing)
			}
			want := "helm upgrade cilium cilium/cilium --version " + l.Release.String() + " -n kube-system --reuse-values " + l.Set
			if rep.Cilium.Upgrade != want {
				t.Fatalf("upgrade line\n got %s\nwant %s", rep.Cilium.Upgrade, want)
			}
			if rep.Changed() || len(rep.Steps) != 1 {
				t.Fatalf("steps %+v: want only the cilium step, changing nothing", rep.Steps)
			}
		})
	}
}

// lifecycle installs onto Cilium 1.20 with cert-manager present, interrupts
// the first run once the chart is in, completes it with the next, checks a
// third changes nothing, then uninstalls twice.
func (e *existingCluster) lifecycle(t *testing.T) {
	ctx := context.Background()
	v := versions.MustParseCilium("1.20")
	defer e.RunCilium(t, v, nil)()
	opCtx, stopOperator := context.WithCancel(ctx)
	defer stopOperator()
	ciliumstate.StandInOperator(opCtx, e.Kube, e.Dyn, v, hermetic.SecretsNamespace)
	app := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: intercept.WorkloadNamespace}}
	if _, err := e.Kube.CoreV1().Namespaces().Create(ctx, app, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := e.options(t)

	interrupted, cancel := context.WithCancel(ctx)
	opts.OnStep = func(ev steps.Event) {
		if ev.Done && ev.Name == "chart" {
			cancel()
		}
	}
	rep, err := install.Install(interrupted, opts)
	if !errors.Is(err, context.Canceled) || stepOf(rep, "chart") == nil || !stepOf(rep, "chart").Changed {
		t.Fatalf("interrupted install: %v, steps %+v; want the chart installed and the run cancelled", err, rep.Steps)
	}
	opts.OnStep = nil
	rep, err = install.Install(ctx, opts)
	if err != nil {
		t.Fatalf("install after the interruption: %v (steps %+v)", err, rep.Steps)
	}
	for name, want := range map[string]string{
		"cilium": "Cilium 1.20.2 has what interception needs", "dependencies": "cert-manager: found (its API), reused, trust-manager: found (its API), reused",
		"chart": "unchanged", "ready": "certificates issued, CA name-constrained, bundles synced, policy secrets copied into cilium-secrets",
	} {
		if s := stepOf(rep, name); s == nil || !strings.Contains(s.Detail, want) {
			t.Errorf("step %s = %+v, want detail containing %q", name, s, want)
		}
	}
	if rep.Changed() {
		t.Errorf("the run completing an interrupted install changed %+v; the chart was already in", rep.Steps)
	}
	again, err := install.Install(ctx, opts)
	if err != nil || again.Changed() {
		t.Fatalf("second install: %v, steps %+v; want nothing changed", err, again.Steps)
	}
	e.uninstall(t, opts)
}

func (e *existingCluster) uninstall(t *testing.T, opts install.Options) {
	ctx := context.Background()
	rep, err := install.Uninstall(ctx, opts)
	if err != nil {
		t.Fatalf("uninstall: %v (steps %+v)", err, rep.Steps)
	}
	if s := stepOf(rep, "chart"); s == nil || !s.Changed || !strings.Contains(s.Detail, "certificate secrets deleted") {
		t.Fatalf("chart step %+v: want the release and its certificate secrets removed", s)
	}
	for _, name := range []string{"cert-manager", "trust-manager"} {
		if s := stepOf(rep, name); s == nil || s.Changed {
			t.Errorf("%s step %+v: the control plane's own must be left", name, s)
		}
	}
	if _, err := e.Kube.CoreV1().Secrets(hermetic.CertManagerNamespace).Get(ctx, intercept.CAIssuer, metav1.GetOptions{}); err == nil {
		t.Error("the CA secret outlived uninstall")
	}
	for _, want := range []string{
		"Namespace intercept-system: the chart release's namespace",
		"Namespace intercept-workload: not made by the chart",
		"Helm release cert-manager/cert-manager", // none: the control plane's cert-manager has no release
		"CustomResourceDefinition certificates.cert-manager.io: not installed by sandbox install",
		"the copy of cert-manager/intercept-github-tls, which is gone",
		"Secret cert-manager/intercept-upstream-ca: written by Bundle intercept-upstream-ca, which is gone",
	} {
		found := slices.ContainsFunc(rep.Leaves, func(l string) bool { return strings.Contains(l, want) })
		if want == "Helm release cert-manager/cert-manager" {
			found = !found
		}
		if !found {
			t.Errorf("leaves lack %q:\n%s", want, strings.Join(rep.Leaves, "\n"))
		}
	}
	again, err := install.Uninstall(ctx, opts)
	if err != nil || again.Changed() {
		t.Fatalf("second uninstall: %v, steps %+v; want nothing changed", err, again.Steps)
	}
	t.Logf("uninstall leaves:\n%s", strings.Join(rep.Leaves, "\n"))
}

func stepOf(rep *install.Report, name string) *steps.Result {
	if rep == nil {
		return nil
	}
	for i := range rep.Steps {
		if rep.Steps[i].Name == name {
			return &rep.Steps[i]
		}
	}
	return nil
}
