package scenarios

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestFindGroupCertPerRelease renders the chart with the scenario values for
// each release and finds the github group's Certificate in the rendered
// objects as the scenarios do in a cluster: by label, in the namespace the
// release reads secrets from (cert-manager with 1.17+ secret sync, not
// cilium-secrets, where the scenarios first looked).
func TestFindGroupCertPerRelease(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.String(), func(t *testing.T) {
			r, err := intercept.Render(context.Background(), intercept.RenderOptions{Cilium: v, Values: scenarioValues()})
			if err != nil {
				t.Fatal(err)
			}
			objs, err := r.Objects()
			if err != nil {
				t.Fatal(err)
			}
			var certs []runtime.Object
			for _, o := range objs {
				if o.GetKind() == "Certificate" {
					certs = append(certs, o)
				}
			}
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList"}, certs...)
			gc, err := findGroupCert(context.Background(), dyn, githubGroup)
			if err != nil {
				t.Fatal(err)
			}
			want := groupCert{namespace: intercept.TLSSecretsNamespace(v), name: intercept.CertificateName(githubGroup), secretName: intercept.SecretName(githubGroup)}
			if gc != want {
				t.Errorf("found %+v, want %+v", gc, want)
			}
		})
	}
}

func TestGroupCertOfErrors(t *testing.T) {
	cert := func(ns, name, secret string) unstructured.Unstructured {
		u := unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"secretName": secret}}}
		u.SetNamespace(ns)
		u.SetName(name)
		return u
	}
	cases := []struct {
		name  string
		items []unstructured.Unstructured
		want  string
	}{
		{"none", nil, "found 0 [] (is the chart installed?)"},
		{"two", []unstructured.Unstructured{cert("a", "x", "s"), cert("b", "x", "s")}, "found 2 [a/x b/x]"},
		{"no secret", []unstructured.Unstructured{cert("a", "x", "")}, "a/x has no spec.secretName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := groupCertOf(tc.items, groupLabel+"=github")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestReachable checks the first request to the cluster: an answering API
// server passes, a refused one fails at once naming kubeconfig and server.
func TestReachable(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"major":"1","minor":"33"}`))
	}))
	defer ok.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name, host, want string
	}{{"answers", ok.URL, ""}, {"refused", down.URL, `cluster of --kubeconfig="kc" (server ` + down.URL + `) is not reachable`}} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := kubernetes.NewForConfig(&rest.Config{Host: tc.host})
			if err != nil {
				t.Fatal(err)
			}
			err = reachable(context.Background(), cs.Discovery().RESTClient(), "kc", tc.host)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
