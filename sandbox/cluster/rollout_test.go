package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
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
