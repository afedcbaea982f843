package hubble

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cilium/cilium/api/v1/flow"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
)

func httpFlow(ns, pod, method, u string, code uint32) *flow.Flow {
	return &flow.Flow{
		Source:  &flow.Endpoint{Namespace: ns, PodName: pod},
		Verdict: flow.Verdict_FORWARDED,
		L7:      &flow.Layer7{Record: &flow.Layer7_Http{Http: &flow.HTTP{Method: method, Url: u, Code: code}}},
	}
}

func TestMatch(t *testing.T) {
	q := HTTPQuery{SourcePod: "intercept-workload/w-1", Method: "GET", Path: "/meta", Host: "api.github.com"}
	cases := []struct {
		name  string
		flows []*flow.Flow
		want  bool
	}{
		{"match", []*flow.Flow{httpFlow("intercept-workload", "w-1", "GET", "https://api.github.com/meta", 200)}, true},
		{"match with query", []*flow.Flow{httpFlow("intercept-workload", "w-1", "GET", "https://api.github.com/meta?x=1", 0)}, true},
		{"other method", []*flow.Flow{httpFlow("intercept-workload", "w-1", "POST", "https://api.github.com/meta", 403)}, false},
		{"other path", []*flow.Flow{httpFlow("intercept-workload", "w-1", "GET", "https://api.github.com/metadata", 200)}, false},
		{"other host", []*flow.Flow{httpFlow("intercept-workload", "w-1", "GET", "https://github.com/meta", 200)}, false},
		{"other pod", []*flow.Flow{httpFlow("default", "w-1", "GET", "https://api.github.com/meta", 200)}, false},
		{"not L7", []*flow.Flow{{Source: &flow.Endpoint{Namespace: "intercept-workload", PodName: "w-1"}}}, false},
		{"none", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := q.Match(tc.flows) != nil; got != tc.want {
				t.Errorf("matched %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	req, err := HTTPQuery{SourcePod: "ns/p", Method: "GET", Path: "/a.b"}.Request()
	if err != nil {
		t.Fatal(err)
	}
	f := req.GetWhitelist()[0]
	if req.GetNumber() != DefaultNumber || req.GetFollow() || f.GetSourcePod()[0] != "ns/p" ||
		f.GetHttpMethod()[0] != "GET" || f.GetHttpPath()[0] != `^/a\.b$` || f.GetEventType()[0].GetType() != 129 {
		t.Errorf("request %v", req)
	}
	if _, err := (HTTPQuery{SourcePod: "pod"}).Request(); err == nil || !strings.Contains(err.Error(), `"pod"`) {
		t.Errorf("error %v, want one naming the bad source pod", err)
	}
}

func TestDescribe(t *testing.T) {
	got := Describe(httpFlow("ns", "p", "GET", "https://api.github.com/meta", 200))
	if !strings.Contains(got, "ns/p") || !strings.Contains(got, "http GET https://api.github.com/meta 200") {
		t.Errorf("describe: %s", got)
	}
}

func TestRelayPod(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: RelayNamespace, Name: RelayService},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"k8s-app": "hubble-relay"},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("grpc")}}}}
	pod := func(phase corev1.PodPhase) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: RelayNamespace, Name: "hubble-relay-1", Labels: map[string]string{"k8s-app": "hubble-relay"}},
			Spec:   corev1.PodSpec{Containers: []corev1.Container{{Ports: []corev1.ContainerPort{{Name: "grpc", ContainerPort: 4245}}}}},
			Status: corev1.PodStatus{Phase: phase}}
	}
	t.Run("running", func(t *testing.T) {
		_, port, err := relayPod(context.Background(), fake.NewClientset(svc, pod(corev1.PodRunning)), RelayNamespace)
		if err != nil || port != 4245 {
			t.Errorf("port %d err %v, want 4245", port, err)
		}
	})
	t.Run("pending", func(t *testing.T) {
		_, _, err := relayPod(context.Background(), fake.NewClientset(svc, pod(corev1.PodPending)), RelayNamespace)
		if !errors.Is(err, ErrNoRelay) {
			t.Errorf("error %v, want ErrNoRelay", err)
		}
	})
	t.Run("numeric target", func(t *testing.T) {
		if p := targetPort(pod(corev1.PodRunning), corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(4245)}); p != 4245 {
			t.Errorf("port %d", p)
		}
	})
}

func TestDialWithoutConfig(t *testing.T) {
	if _, err := Dial(context.Background(), nil); err == nil {
		t.Error("Dial(nil) succeeded")
	}
}
