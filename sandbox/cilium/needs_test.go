package cilium_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/ciliumstate"
)

// LackCase is a Cilium installed with the sandbox's values but one, and
// what CheckRunning must say of it.
type lackCase struct {
	release string
	over    map[string]any
	edit    func([]runtime.Object) []runtime.Object
	missing []string // need IDs
	upgrade string   // "" when no value adds it
}

func lackCases() []lackCase {
	var cases []lackCase
	for _, l := range ciliumstate.Lacking() {
		cases = append(cases, lackCase{release: l.Release.String(), over: l.Over, missing: []string{l.Missing},
			upgrade: "--version " + l.Release.String() + " -n kube-system --reuse-values " + l.Set})
	}
	return append(cases,
		lackCase{release: "1.20", edit: drop("DaemonSet", "cilium-envoy"),
			missing: []string{"envoy"}, upgrade: "--set envoy.enabled=true"},
		lackCase{release: "1.18", edit: drop("Deployment", "hubble-relay"),
			missing: []string{"hubble-relay"}, upgrade: "--set hubble.relay.enabled=true"},
		lackCase{release: "1.19", edit: drop("Namespace", "cilium-secrets"),
			missing: []string{"secrets-namespace"}, upgrade: "--set tls.secretsNamespace.create=true --set tls.secretsNamespace.name=cilium-secrets"},
		lackCase{release: "1.17", edit: agentsNotReady, missing: []string{"agents"}},
	)
}

// drop removes the object of kind and name, as if it had been deleted.
func drop(kind, name string) func([]runtime.Object) []runtime.Object {
	return func(objs []runtime.Object) []runtime.Object {
		return slices.DeleteFunc(objs, func(o runtime.Object) bool {
			return o.GetObjectKind().GroupVersionKind().Kind == kind && nameOf(o) == name
		})
	}
}

func agentsNotReady(objs []runtime.Object) []runtime.Object {
	for _, o := range objs {
		if ds, ok := o.(*appsv1.DaemonSet); ok && ds.Name == "cilium" {
			ds.Status.NumberReady = 0
		}
	}
	return objs
}

func nameOf(o runtime.Object) string {
	m, _ := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	md, _ := m["metadata"].(map[string]any)
	n, _ := md["name"].(string)
	return n
}

// existing renders Cilium's own chart for release with the case's values
// into a fake cluster; it skips when the chart cannot be had.
func existing(t *testing.T, c lackCase) *fake.Clientset {
	t.Helper()
	v := versions.MustParseCilium(c.release)
	objs, err := ciliumstate.Objects(context.Background(), v, ciliumstate.Values(v, c.over))
	if errors.Is(err, release.ErrChartUnavailable) {
		t.Skipf("needs Cilium %s's chart from the Go module proxy: %v", v, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.edit != nil {
		objs = c.edit(objs)
	}
	return fake.NewClientset(objs...)
}

func TestCheckRunningNamesTheMissingSetting(t *testing.T) {
	for _, c := range lackCases() {
		t.Run(c.release+"/"+strings.Join(c.missing, ","), func(t *testing.T) {
			r, err := cilium.ReadRunning(context.Background(), existing(t, c), cilium.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			check := cilium.CheckRunning(r)
			var got []string
			for _, n := range check.Missing() {
				got = append(got, n.ID)
				if n.Why == "" || n.Found == "" {
					t.Errorf("need %s: Found %q, Why %q: both must say something", n.ID, n.Found, n.Why)
				}
			}
			if !slices.Equal(got, c.missing) {
				t.Fatalf("missing %v, want %v; needs: %+v", got, c.missing, check.Needs)
			}
			if c.upgrade == "" {
				if check.Upgrade != "" {
					t.Fatalf("Upgrade = %q, want none: no value fixes %v", check.Upgrade, c.missing)
				}
				return
			}
			if !strings.HasPrefix(check.Upgrade, "helm upgrade cilium cilium/cilium --version "+r.Release.String()) || !strings.Contains(check.Upgrade, c.upgrade) {
				t.Fatalf("Upgrade = %q, want it pinned to %s and to contain %q", check.Upgrade, r.Release, c.upgrade)
			}
		})
	}
}

// TestSandboxValuesMeetEveryNeed: Cilium as the sandbox installs it lacks nothing.
func TestSandboxValuesMeetEveryNeed(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			r, err := cilium.ReadRunning(context.Background(), existing(t, lackCase{release: v.String()}), cilium.Namespace)
			if err != nil {
				t.Fatal(err)
			}
			if c := cilium.CheckRunning(r); !c.OK() || c.Upgrade != "" {
				t.Fatalf("%s; upgrade %q; needs %+v", c.Summary(), c.Upgrade, c.Needs)
			}
			if r.HelmRelease != cilium.ReleaseName {
				t.Errorf("HelmRelease = %q, want %q from the DaemonSet's Helm annotation", r.HelmRelease, cilium.ReleaseName)
			}
		})
	}
}

func TestReadRunningWithoutCilium(t *testing.T) {
	_, err := cilium.ReadRunning(context.Background(), fake.NewClientset(), cilium.Namespace)
	if !errors.Is(err, cilium.ErrNotRunning) || !strings.Contains(err.Error(), "no DaemonSet kube-system/cilium") {
		t.Fatalf("error = %v, want ErrNotRunning naming the DaemonSet", err)
	}
}
