package scenarios

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// oneAddressBlock is the hosts block offline runs used to write: every
// test name at the one fake upstream's address.
const oneAddressBlock = `.:53 {
    # cilium-tls-intercept fake upstream: begin
    hosts {
        172.18.0.9 api.github.com example.com storage.googleapis.com sts.amazonaws.com
        ttl 30
        fallthrough
    }
    # cilium-tls-intercept fake upstream: end
    forward . /etc/resolv.conf
}
`

// TestOfflineAnswersSeparatePolicies reads the policies from the chart
// rendered with the values the suite gives `up` offline, and checks that no
// two names of different policies (intercept groups, pass-through, none)
// share an address in what CoreDNS answers: the answers one container per
// name gives pass, and the hosts block that sent every name to one
// address (so example.com, passed through, was intercepted) is refused.
func TestOfflineAnswersSeparatePolicies(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.String(), func(t *testing.T) { checkOfflineAnswers(t, v) })
	}
}

// checkOfflineAnswers is TestOfflineAnswersSeparatePolicies for release v.
func checkOfflineAnswers(t *testing.T, v versions.Cilium) {
	policies, err := fqdnPolicies(context.Background(), v, chartValues(upstreamLocal, []byte(testFakeCA)))
	if err != nil {
		t.Fatal(err)
	}
	wantPolicies := map[string][]string{
		githubHost:      {"intercept-tls-github"},
		awsHost:         {"intercept-tls-aws"},
		googleHost:      {"intercept-tls-google"},
		passThroughHost: {"intercept-pass-through"},
		deniedHost:      nil,
	}
	for _, name := range offlineHosts() {
		if got := selectingPolicies(name, policies); !slices.Equal(got, wantPolicies[name]) {
			t.Errorf("%s is selected by %v, want %v", name, got, wantPolicies[name])
		}
	}
	// What a run with one container per name writes, read back from CoreDNS's Corefile.
	perName, err := dnsanswer.Distinct(offlineHosts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	corefile, err := upstream.WithHosts(".:53 {\n    forward . /etc/resolv.conf\n}\n", perName)
	if err != nil {
		t.Fatal(err)
	}
	served, err := upstream.HostsAnswers(corefile)
	if err != nil {
		t.Fatal(err)
	}
	if err := separatePolicies(served, policies); err != nil {
		t.Errorf("one address per name: %v", err)
	}
	shared, err := upstream.HostsAnswers(oneAddressBlock)
	if err != nil {
		t.Fatal(err)
	}
	err = separatePolicies(shared, policies)
	if err == nil || !strings.Contains(err.Error(), "172.18.0.9") ||
		!strings.Contains(err.Error(), "example.com (policies: intercept-pass-through)") ||
		!strings.Contains(err.Error(), "api.github.com (policies: intercept-tls-github)") {
		t.Errorf("one address for every name: error %v, want the shared address and each name's policies", err)
	}
}

// testFakeCA stands for the fake public CA in the chart values.
const testFakeCA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"

// TestPointCoreDNS: offline, CoreDNS gets exactly the answers; in the
// internet mode a hosts block a killed offline run left is removed, so the
// test names resolve to the real sites again.
func TestPointCoreDNS(t *testing.T) {
	ctx := context.Background()
	answers, err := dnsanswer.Distinct(offlineHosts(), nil)
	if err != nil {
		t.Fatal(err)
	}
	leftover, err := upstream.WithHosts(".:53 {\n    forward . /etc/resolv.conf\n}\n", answers)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		answers dnsanswer.Answers
		want    dnsanswer.Answers
	}{
		{"offline", answers, answers},
		{"internet after a killed offline run", nil, dnsanswer.Answers{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := fake.NewClientset(
				&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: upstream.CoreDNSNamespace, Name: upstream.CoreDNSConfigMap},
					Data: map[string]string{"Corefile": leftover}},
				readyCoreDNS())
			if err := pointCoreDNS(ctx, cs, tc.answers, time.Second); err != nil {
				t.Fatal(err)
			}
			cm, _ := cs.CoreV1().ConfigMaps(upstream.CoreDNSNamespace).Get(ctx, upstream.CoreDNSConfigMap, metav1.GetOptions{})
			got, err := upstream.HostsAnswers(cm.Data["Corefile"])
			if err != nil || len(got) != len(tc.want) || len(got.SharedAddrs()) > 0 {
				t.Errorf("CoreDNS answers %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// readyCoreDNS is kind's CoreDNS Deployment, rolled out.
func readyCoreDNS() *appsv1.Deployment {
	two := int32(2)
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: upstream.CoreDNSNamespace, Name: upstream.CoreDNSDeployment},
		Spec:   appsv1.DeploymentSpec{Replicas: &two},
		Status: appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}}
}
