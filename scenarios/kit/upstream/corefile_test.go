package upstream

import (
	"context"
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testAnswers gives each test name its own address, as Start's one
// container per name does.
func testAnswers(t *testing.T) dnsanswer.Answers {
	t.Helper()
	return answersOf(t, "sts.amazonaws.com=172.18.0.9", "api.github.com=172.18.0.10", "storage.googleapis.com=172.18.0.11")
}

// answersOf returns the answers of NAME=ADDRESS values, each with HostsTTL.
func answersOf(t *testing.T, values ...string) dnsanswer.Answers {
	t.Helper()
	a := dnsanswer.Answers{}
	for _, v := range values {
		name, addr, err := dnsanswer.ParseResolve(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(name, addr, HostsTTL); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWithHostsGolden: the block gives each name exactly its answers (one
// line per address), the edit is idempotent and undone by WithoutHosts,
// and HostsAnswers reads back exactly the answers given.
func TestWithHostsGolden(t *testing.T) {
	for _, name := range []string{"kind", "tabs"} {
		t.Run(name, func(t *testing.T) {
			in := readFile(t, name+".Corefile")
			want := testAnswers(t)
			got, err := WithHosts(in, want)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", name+".golden"), []byte(got), *update)
			again, err := WithHosts(got, want)
			if err != nil || again != got {
				t.Errorf("second edit changed the Corefile (err %v):\n%s", err, again)
			}
			if back := WithoutHosts(got); back != in {
				t.Errorf("WithoutHosts did not restore the input:\n%s", back)
			}
			read, err := HostsAnswers(got)
			if err != nil || !reflect.DeepEqual(read, want) {
				t.Errorf("HostsAnswers = %v (%v), want %v", read, err, want)
			}
			if shared := read.SharedAddrs(); len(shared) > 0 {
				t.Errorf("names share addresses: %v", shared)
			}
		})
	}
}

func TestWithHostsReplacesAnswers(t *testing.T) {
	first, err := WithHosts(readFile(t, "kind.Corefile"), testAnswers(t))
	if err != nil {
		t.Fatal(err)
	}
	second, err := WithHosts(first, answersOf(t, "api.github.com=172.18.0.20"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(second, "172.18.0.9") || strings.Count(second, beginMarker) != 1 ||
		!strings.Contains(second, "172.18.0.20 api.github.com\n") {
		t.Errorf("the block was not replaced:\n%s", second)
	}
	if a, err := HostsAnswers(WithoutHosts(second)); err != nil || len(a) != 0 {
		t.Errorf("HostsAnswers without the block = %v, %v; want none", a, err)
	}
}

func TestWithHostsRejects(t *testing.T) {
	kind := readFile(t, "kind.Corefile")
	addr := netip.MustParseAddr("172.18.0.9")
	cases := []struct {
		name, corefile string
		answers        dnsanswer.Answers
		want           string
	}{
		{"wildcard", kind, dnsanswer.Answers{"*.github.com": {{Addr: addr, TTL: 30}}}, `"*.github.com"`},
		{"upper case", kind, dnsanswer.Answers{"API.github.com": {{Addr: addr, TTL: 30}}}, `"API.github.com"`},
		{"bad address", kind, dnsanswer.Answers{"api.github.com": {{TTL: 30}}}, "address for api.github.com is not valid"},
		{"no names", kind, dnsanswer.Answers{}, "no names"},
		{"no address", kind, dnsanswer.Answers{"api.github.com": nil}, "api.github.com has no address"},
		{"two TTLs", kind, dnsanswer.Answers{"api.github.com": {{Addr: addr, TTL: 30}}, "example.com": {{Addr: addr.Next(), TTL: 60}}},
			"one TTL"},
		{"no server block", "example.org:53 {\n    forward . 1.1.1.1\n}\n", testAnswers(t), "no .:53 server block"},
		{"own hosts plugin", readFile(t, "own-hosts.Corefile"), testAnswers(t), "already has a hosts plugin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WithHosts(tc.corefile, tc.answers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestEnsureHosts(t *testing.T) {
	cs := fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: CoreDNSNamespace, Name: CoreDNSConfigMap},
			Data: map[string]string{"Corefile": readFile(t, "kind.Corefile")}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: CoreDNSNamespace, Name: CoreDNSDeployment}},
	)
	ctx := context.Background()
	steps := []struct {
		name        string
		run         func() (bool, error)
		wantChanged bool
		wantHosts   bool
	}{
		{"add", func() (bool, error) { return EnsureHosts(ctx, cs, testAnswers(t)) }, true, true},
		{"add again", func() (bool, error) { return EnsureHosts(ctx, cs, testAnswers(t)) }, false, true},
		{"remove", func() (bool, error) { return RemoveHosts(ctx, cs) }, true, false},
		{"remove again", func() (bool, error) { return RemoveHosts(ctx, cs) }, false, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			changed, err := s.run()
			if err != nil {
				t.Fatal(err)
			}
			cm, _ := cs.CoreV1().ConfigMaps(CoreDNSNamespace).Get(ctx, CoreDNSConfigMap, metav1.GetOptions{})
			has := strings.Contains(cm.Data["Corefile"], "172.18.0.10 api.github.com")
			if changed != s.wantChanged || has != s.wantHosts {
				t.Errorf("changed %v hosts %v, want %v %v", changed, has, s.wantChanged, s.wantHosts)
			}
			d, _ := cs.AppsV1().Deployments(CoreDNSNamespace).Get(ctx, CoreDNSDeployment, metav1.GetOptions{})
			if d.Spec.Template.Annotations[CorefileHashAnnotation] == "" {
				t.Errorf("coredns was not restarted: no %s annotation", CorefileHashAnnotation)
			}
		})
	}
}

func TestWaitCoreDNS(t *testing.T) {
	deployment := func(generation, observed int64, updated, available int32) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: CoreDNSNamespace, Name: CoreDNSDeployment, Generation: generation},
			Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2)},
			Status: appsv1.DeploymentStatus{ObservedGeneration: observed, Replicas: 2,
				UpdatedReplicas: updated, AvailableReplicas: available},
		}
	}
	ctx := context.Background()
	t.Run("rolled out", func(t *testing.T) {
		if err := WaitCoreDNS(ctx, fake.NewClientset(deployment(3, 3, 2, 2)), time.Second); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("restart not observed", func(t *testing.T) {
		err := WaitCoreDNS(ctx, fake.NewClientset(deployment(3, 2, 2, 2)), 10*time.Millisecond)
		if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), "kube-system/coredns: 2/2 available, 2 updated") {
			t.Fatalf("error %v, want not ready with the rollout's counts", err)
		}
	})
	t.Run("old pod left", func(t *testing.T) {
		err := WaitCoreDNS(ctx, fake.NewClientset(deployment(3, 3, 1, 2)), 10*time.Millisecond)
		if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), "1 updated") {
			t.Fatalf("error %v, want not ready with 1 updated", err)
		}
	})
}
