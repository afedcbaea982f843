package install

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	helmrelease "helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/ciliumstate"
)

// memoryCluster is a cluster of client-go's fake clients with Helm's
// in-memory storage and fake kube client, one storage per namespace kept
// across runs. Helm's fake client applies nothing, so what its releases
// would run is seeded as already there: cert-manager's and trust-manager's
// Deployments ready, the CA cert-manager would issue (name-constrained),
// the test workload rolled out.
type memoryCluster struct {
	kube   *fake.Clientset
	dyn    *dynamicfake.FakeDynamicClient
	stores map[string]*action.Configuration
}

func newMemoryCluster(t *testing.T, v versions.Cilium, extra ...runtime.Object) *memoryCluster {
	t.Helper()
	objs, err := ciliumstate.Objects(context.Background(), v, ciliumstate.Values(v, nil))
	if errors.Is(err, release.ErrChartUnavailable) {
		t.Skipf("needs Cilium %s's chart from the Go module proxy: %v", v, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	objs = append(objs, extra...)
	for _, name := range []string{"cert-manager", "cert-manager-webhook", "cert-manager-cainjector", "trust-manager"} {
		objs = append(objs, readyDeployment(certmanager.Namespace, name, nil))
	}
	objs = append(objs, readyDeployment(intercept.WorkloadNamespace, "intercept-workload", nil), constrainedCA(t))
	kube := fake.NewClientset(objs...)
	kube.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.36.4"}
	lists := map[schema.GroupVersionResource]string{
		resources.Certificates(): "CertificateList", resources.Bundles(): "BundleList", resources.CiliumNetworkPolicies(): "CiliumNetworkPolicyList",
		resources.CustomResourceDefinitions(): "CustomResourceDefinitionList", resources.CertificateRequests(): "CertificateRequestList",
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), lists)
	// The fake ignores dry run; the webhooks' probes are dry-run creates,
	// answered here as the API server would, storing nothing.
	for _, res := range []string{"certificates", "bundles"} {
		dyn.PrependReactor("create", res, func(a clienttesting.Action) (bool, runtime.Object, error) {
			return true, a.(clienttesting.CreateAction).GetObject(), nil
		})
	}
	return &memoryCluster{kube: kube, dyn: dyn, stores: map[string]*action.Configuration{}}
}

func (m *memoryCluster) cluster() *Cluster {
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{Version: "v1.36.4", Major: "1", Minor: "36"}
	return &Cluster{Kube: m.kube, Dyn: m.dyn, Name: "memory",
		Helm: func(ns string) (*action.Configuration, error) {
			if m.stores[ns] == nil {
				m.stores[ns] = &action.Configuration{Releases: storage.Init(driver.NewMemory()), Capabilities: caps,
					KubeClient: &kubefake.PrintingKubeClient{Out: io.Discard}, Log: func(string, ...any) {}}
			}
			return m.stores[ns], nil
		},
		Chart: func(_ context.Context, src release.Source) (*chart.Chart, error) {
			c, _, err := release.LoadOffline(src, "")
			return c, err
		},
	}
}

func readyDeployment(ns, name string, labels map[string]string) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	ciliumstate.MarkReady(d)
	return d
}

// constrainedCA stands in for the CA cert-manager issues for the chart.
func constrainedCA(t *testing.T) *corev1.Secret {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		PermittedDNSDomainsCritical: true, PermittedDNSDomains: []string{"github.com"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: intercept.CANamespace, Name: intercept.CAIssuer},
		Data: map[string][]byte{"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}}
}

func (m *memoryCluster) last(t *testing.T, ns, name string) *helmrelease.Release {
	t.Helper()
	cfg, _ := m.cluster().Helm(ns)
	rel, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return rel
}

func detailOf(rep *Report, name string) string {
	for _, s := range rep.Steps {
		if s.Name == name {
			return s.Detail
		}
	}
	return ""
}

// servesCertManager makes discovery serve cert-manager's and trust-manager's APIs.
func (m *memoryCluster) servesCertManager() {
	fd := m.kube.Discovery().(*fakediscovery.FakeDiscovery)
	fd.Resources = append(fd.Resources,
		&metav1.APIResourceList{GroupVersion: certmanager.CertManager.GroupVersion, APIResources: []metav1.APIResource{{Name: certmanager.CertManager.Resource}}},
		&metav1.APIResourceList{GroupVersion: certmanager.TrustManager.GroupVersion, APIResources: []metav1.APIResource{{Name: certmanager.TrustManager.Resource}}})
}

// answerAccessReviews stands in for the API server's authorizer.
func (m *memoryCluster) answerAccessReviews(allowed bool) {
	m.kube.PrependReactor("create", "subjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		sar := a.(clienttesting.CreateAction).GetObject().(*authorizationv1.SubjectAccessReview)
		sar.Status.Allowed = allowed
		return true, sar, nil
	})
}
