package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func readyDaemonSet(name string, ready int32) *appsv1.DaemonSet {
	ds := daemonSet("kube-system", name)
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberReady: ready}
	return ds
}

func deployment(name string, labels map[string]string, available int32) *appsv1.Deployment {
	two := int32(2)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps", Name: name, Labels: labels},
		Spec:       appsv1.DeploymentSpec{Replicas: &two},
		Status:     appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: available},
	}
}

func TestWaitRollout(t *testing.T) {
	app := map[string]string{"app": "w"}
	cases := []struct {
		name      string
		objs      []runtime.Object
		workloads []Workload
		wantErr   string
	}{
		{name: "ready", objs: []runtime.Object{readyDaemonSet("cilium", 2), deployment("op", nil, 2)},
			workloads: []Workload{{Kind: DaemonSet, Namespace: "kube-system", Name: "cilium"}, {Kind: Deployment, Namespace: "apps", Name: "op"}}},
		{name: "daemonset not ready", objs: []runtime.Object{readyDaemonSet("cilium", 1)},
			workloads: []Workload{{Kind: DaemonSet, Namespace: "kube-system", Name: "cilium"}},
			wantErr:   "DaemonSet kube-system/cilium: 1/2 ready, 2 updated"},
		{name: "missing", workloads: []Workload{{Kind: DaemonSet, Namespace: "kube-system", Name: "cilium-envoy"}},
			wantErr: "DaemonSet kube-system/cilium-envoy: not found"},
		{name: "selector ready", objs: []runtime.Object{deployment("a", app, 2), deployment("b", nil, 0)},
			workloads: []Workload{{Kind: Deployment, Namespace: "apps", Selector: "app=w"}}},
		{name: "selector unavailable", objs: []runtime.Object{deployment("a", app, 1)},
			workloads: []Workload{{Kind: Deployment, Namespace: "apps", Selector: "app=w"}},
			wantErr:   "Deployment apps/a: 1/2 available"},
		{name: "selector none", workloads: []Workload{{Kind: Deployment, Namespace: "apps", Selector: "app=w"}},
			wantErr: "Deployment apps -l app=w: none found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := WaitRollout(context.Background(), fake.NewClientset(c.objs...), 50*time.Millisecond, c.workloads...)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("WaitRollout: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want ErrNotReady containing %q", err, c.wantErr)
			}
		})
	}
}

func TestWaitRolloutInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	w := Workload{Kind: DaemonSet, Namespace: "kube-system", Name: "cilium"}
	err := WaitRollout(ctx, fake.NewClientset(readyDaemonSet("cilium", 1)), time.Hour, w)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotReady) {
		t.Fatalf("error = %v, want the context's error and ErrNotReady", err)
	}
	if strings.Contains(err.Error(), "after 1h") || !strings.Contains(err.Error(), "1/2 ready") {
		t.Errorf("error = %v, want what was observed and no claim that the 1h timeout passed", err)
	}
}

// flakyClient returns a fake clientset whose every failEvery-th request
// (the first one included) fails with a connection reset, as requests do
// while Cilium programs the node the API server's traffic goes through.
func flakyClient(failEvery int, objs ...runtime.Object) *fake.Clientset {
	cs := fake.NewClientset(objs...)
	n := 0
	cs.PrependReactor("*", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		n++
		if failEvery > 0 && (n-1)%failEvery == 0 {
			return true, nil, fmt.Errorf("read tcp 172.18.0.1:52814->172.18.0.2:6443: read: %w", syscall.ECONNRESET)
		}
		return false, nil, nil
	})
	return cs
}

// TestWaitRolloutTransientErrors: an API error is "not ready yet", and a
// wait that times out on errors reports the last one.
func TestWaitRolloutTransientErrors(t *testing.T) {
	w := Workload{Kind: DaemonSet, Namespace: "kube-system", Name: "cilium"}
	t.Run("a reset then ready", func(t *testing.T) {
		cs := flakyClient(3, readyDaemonSet("cilium", 2))
		if err := WaitRollout(t.Context(), cs, 30*time.Second, w); err != nil {
			t.Fatalf("WaitRollout stopped at a transient error: %v", err)
		}
	})
	t.Run("errors until the timeout", func(t *testing.T) {
		err := WaitRollout(t.Context(), flakyClient(1, readyDaemonSet("cilium", 2)), 50*time.Millisecond, w)
		if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "connection reset by peer") ||
			!strings.Contains(err.Error(), "DaemonSet kube-system/cilium") {
			t.Fatalf("error = %v, want ErrNotReady naming the workload and the last error", err)
		}
	})
	t.Run("forbidden stops at once", func(t *testing.T) {
		cs := fake.NewClientset()
		cs.PrependReactor("get", "daemonsets", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(appsv1.Resource("daemonsets"), "cilium", errors.New("no RBAC"))
		})
		start := time.Now()
		err := WaitRollout(t.Context(), cs, time.Minute, w)
		if !apierrors.IsForbidden(err) || time.Since(start) > 10*time.Second {
			t.Fatalf("error = %v after %s, want Forbidden at once", err, time.Since(start))
		}
	})
}
