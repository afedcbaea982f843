package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
)

func daemonSet(ns, name string) *appsv1.DaemonSet {
	return &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

func TestCheckForeignCNI(t *testing.T) {
	cases := []struct {
		name    string
		objs    []runtime.Object
		wantErr []string
	}{
		{name: "cilium only", objs: []runtime.Object{daemonSet("kube-system", "cilium")}},
		{name: "empty cluster"},
		{name: "kind defaults", objs: []runtime.Object{daemonSet("kube-system", "kindnet"), daemonSet("kube-system", "kube-proxy")},
			wantErr: []string{"kindnet CNI (DaemonSet kube-system/kindnet)", "kube-proxy (DaemonSet kube-system/kube-proxy)", "sandbox down --cluster-name demo"}},
		{name: "calico", objs: []runtime.Object{daemonSet("calico-system", "calico-node")}, wantErr: []string{"Calico CNI"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckForeignCNI(context.Background(), fake.NewClientset(c.objs...), "demo")
			if len(c.wantErr) == 0 {
				if err != nil {
					t.Fatalf("CheckForeignCNI: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrForeignCluster) {
				t.Fatalf("error = %v, want ErrForeignCluster", err)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
