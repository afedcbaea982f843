package ciliumstate

import (
	"context"
	"errors"
	"testing"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// Existing is a hermetic control plane standing in for a cluster that
// already runs Cilium: a real kube-apiserver and etcd with cert-manager's
// and trust-manager's controllers (present, not installed with Helm) and,
// once RunCilium put them there, Cilium's objects; no nodes, pods or Cilium.
type Existing struct {
	CP   *hermetic.ControlPlane
	Kube kubernetes.Interface
	Dyn  dynamic.Interface
}

// StartExisting starts the control plane without the interception chart,
// and stops it when t ends. It skips t when the control plane's binaries
// are not built.
func StartExisting(t testing.TB) *Existing {
	t.Helper()
	cp, err := hermetic.Start(context.Background(), hermetic.Options{NoChart: true})
	if errors.Is(err, hermetic.ErrNoAssets) {
		t.Skipf("needs the hermetic control plane's binaries (make controlplane): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	e := &Existing{CP: cp}
	if e.Kube, err = kubernetes.NewForConfig(cp.Config); err == nil {
		e.Dyn, err = dynamic.NewForConfig(cp.Config)
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// RunCilium puts release v's Cilium objects, rendered from Cilium's chart
// with Values(v, over), into the cluster, and returns a function removing
// them. It skips t when the chart cannot be had.
func (e *Existing) RunCilium(t testing.TB, v versions.Cilium, over map[string]any) func() {
	t.Helper()
	ctx := context.Background()
	objs, err := Objects(ctx, v, Values(v, over))
	if errors.Is(err, release.ErrChartUnavailable) {
		t.Skipf("needs Cilium %s's chart from the Go module proxy: %v", v, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, e.Kube, objs); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := Remove(ctx, e.Kube, objs); err != nil {
			t.Error(err)
		}
	}
}
