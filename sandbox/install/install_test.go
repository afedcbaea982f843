package install

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	helmrelease "helm.sh/helm/v3/pkg/release"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestInstallWithoutCertManager: with cert-manager and trust-manager absent,
// Install installs both through release.EnsureRelease as up does, labelled
// as its own, then the chart; a second run changes nothing; a chart release
// an interrupted run left pending is installed again; Uninstall removes all
// three, and a second Uninstall nothing.
func TestInstallWithoutCertManager(t *testing.T) {
	m := newMemoryCluster(t, versions.MustParseCilium("1.20"))
	opts := Options{Cluster: m.cluster(), Timeout: 5e9}
	rep, err := Install(context.Background(), opts)
	if err != nil {
		t.Fatalf("Install: %v (steps %+v)", err, rep.Steps)
	}
	if d := detailOf(rep, "dependencies"); d != "cert-manager: absent, to install, trust-manager: absent, to install" {
		t.Errorf("dependencies detail = %q", d)
	}
	for _, r := range []struct{ ns, name, step, want string }{
		{certmanager.Namespace, certmanager.CertManagerRelease, "cert-manager", "cert-manager " + versions.CertManager + " installed, revision 1"},
		{certmanager.Namespace, certmanager.TrustManagerRelease, "trust-manager", "trust-manager " + versions.TrustManager + " installed, revision 1"},
		{intercept.DefaultNamespace, intercept.DefaultReleaseName, "chart", "installed, revision 1"},
	} {
		rel := m.last(t, r.ns, r.name)
		if rel == nil || rel.Labels[OwnerLabel] != OwnerValue {
			t.Fatalf("release %s/%s = %v, want it labelled %s=%s", r.ns, r.name, rel, OwnerLabel, OwnerValue)
		}
		if d := detailOf(rep, r.step); !strings.Contains(d, r.want) {
			t.Errorf("step %s = %q, want %q", r.step, d, r.want)
		}
	}
	if v := m.last(t, intercept.DefaultNamespace, intercept.DefaultReleaseName).Config["cilium"]; v.(map[string]any)["version"] != "1.20.2" {
		t.Errorf("chart installed with cilium %v, want the running 1.20.2", v)
	}
	again, err := Install(context.Background(), opts)
	if err != nil || again.Changed() {
		t.Fatalf("second Install: %v, steps %+v; want nothing changed", err, again.Steps)
	}
	if d := detailOf(again, "dependencies"); d != "cert-manager: installed by sandbox install, trust-manager: installed by sandbox install" {
		t.Errorf("second run's dependencies detail = %q", d)
	}

	// An install interrupted while Helm ran leaves the record pending.
	chart := m.last(t, intercept.DefaultNamespace, intercept.DefaultReleaseName)
	chart.Info.Status = helmrelease.StatusPendingInstall
	cfg, _ := opts.Cluster.Helm(intercept.DefaultNamespace)
	if err := cfg.Releases.Update(chart); err != nil {
		t.Fatal(err)
	}
	completed, err := Install(context.Background(), opts)
	if err != nil || !strings.Contains(detailOf(completed, "chart"), "reinstalled") {
		t.Fatalf("Install after an interrupted one: %v, chart %q; want it reinstalled", err, detailOf(completed, "chart"))
	}

	un, err := Uninstall(context.Background(), opts)
	if err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	for _, r := range [][2]string{{certmanager.Namespace, certmanager.CertManagerRelease}, {certmanager.Namespace, certmanager.TrustManagerRelease}, {intercept.DefaultNamespace, intercept.DefaultReleaseName}} {
		if rel := m.last(t, r[0], r[1]); rel != nil {
			t.Errorf("release %s/%s is still there (%s) after Uninstall", r[0], r[1], rel.Info.Status)
		}
	}
	if !un.Changed() {
		t.Error("Uninstall reports no change")
	}
	if un2, err := Uninstall(context.Background(), opts); err != nil || un2.Changed() {
		t.Fatalf("second Uninstall: %v, steps %+v; want nothing changed", err, un2.Steps)
	}
}

// TestInstallStopsOnLackingDependency: a cert-manager or trust-manager
// installed by someone else that lacks what the chart needs stops Install
// before anything is applied, with the fix.
func TestInstallStopsOnLackingDependency(t *testing.T) {
	cm := func(image string, args ...string) *appsv1.Deployment {
		d := readyDeployment("security", "cert-manager", map[string]string{"app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller"})
		d.Annotations = map[string]string{"meta.helm.sh/release-name": "certs"}
		d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "cert-manager-controller", Image: image, Args: args}}
		return d
	}
	tm := func(args ...string) *appsv1.Deployment {
		d := readyDeployment("security", "trust-manager", map[string]string{"app.kubernetes.io/name": "trust-manager"})
		d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "trust-manager", Image: "quay.io/jetstack/trust-manager:v0.20.0", Args: args}}
		return d
	}
	good := []string{"--trust-namespace=security", "--secret-targets-enabled=true"}
	cases := []struct {
		name    string
		cm, tm  *appsv1.Deployment
		allowed bool
		missing []string
		fix     string
	}{
		{"cert-manager before v1.17 without the gate", cm("quay.io/jetstack/cert-manager-controller:v1.15.3", "--cluster-resource-namespace=$(POD_NAMESPACE)"), tm(good...), true,
			[]string{"name-constraints-controller"}, "helm upgrade certs jetstack/cert-manager --version v1.15.3 -n security --reuse-values --set featureGates=NameConstraints=true"},
		{"the gate turned off", cm("quay.io/jetstack/cert-manager-controller:v1.21.2", "--cluster-resource-namespace=security", "--feature-gates=NameConstraints=false"), tm(good...), true,
			[]string{"name-constraints-controller"}, "--set webhook.featureGates=NameConstraints=true"},
		{"trust-manager without secret targets", cm("quay.io/jetstack/cert-manager-controller:v1.21.2", "--cluster-resource-namespace=security"), tm("--trust-namespace=security"), true,
			[]string{"secret-targets"}, "--set secretTargets.enabled=true --set secretTargets.authorizedSecrets={intercept-upstream-ca}"},
		{"trust-manager may not write the upstream trust", cm("quay.io/jetstack/cert-manager-controller:v1.21.2", "--cluster-resource-namespace=security"), tm(good...), false,
			[]string{"secret-targets"}, "secretTargets.authorizedSecrets={intercept-upstream-ca}"},
		{"another trust namespace", cm("quay.io/jetstack/cert-manager-controller:v1.21.2", "--cluster-resource-namespace=security"), tm("--secret-targets-enabled=true"), true,
			[]string{"trust-namespace"}, "--set app.trust.namespace=security"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMemoryCluster(t, versions.MustParseCilium("1.20"), c.cm, c.tm)
			m.servesCertManager()
			m.answerAccessReviews(c.allowed)
			rep, err := Install(context.Background(), Options{Cluster: m.cluster(), Timeout: 5e9})
			if !errors.Is(err, ErrDependencyLacks) {
				t.Fatalf("Install error = %v, want ErrDependencyLacks", err)
			}
			var text strings.Builder
			if err := rep.WriteText(&text, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%v\n%s", err, text.String())
			var missing []string
			var fixes string
			for _, d := range []*Dependency{rep.CertManager, rep.TrustManager} {
				for _, n := range d.Missing() {
					missing, fixes = append(missing, n.ID), fixes+n.Fix+"\n"
				}
			}
			if !slices.Equal(missing, c.missing) || !strings.Contains(fixes, c.fix) {
				t.Fatalf("missing %v with fixes\n%s\nwant %v and a fix containing %q", missing, fixes, c.missing, c.fix)
			}
			if rep.Changed() {
				t.Fatalf("steps %+v changed something", rep.Steps)
			}
			if rel := m.last(t, intercept.DefaultNamespace, intercept.DefaultReleaseName); rel != nil {
				t.Fatal("the chart was installed although a dependency lacks what it needs")
			}
			if ca, _ := rep.Values["ca"].(map[string]any); ca["namespace"] != "security" {
				t.Errorf("ca.namespace = %v, want cert-manager's cluster resource namespace", ca["namespace"])
			}
		})
	}
}
