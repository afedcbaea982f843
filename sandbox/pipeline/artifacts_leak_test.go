package pipeline

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestBundleLeavesOutHeaderSecrets writes a failed up's bundle from fake
// clients holding the chart's policies with a header set from a Secret and
// that Secret, with the live doctor reading them, and searches every file
// of the bundle for the Secret's value (as is and base64). The doctor's
// recorded state must hold the Secret (it was read) with its value
// redacted.
func TestBundleLeavesOutHeaderSecrets(t *testing.T) {
	const token = "Bearer bundle-leak-test-7d3f9c"
	v := versions.MustParseCilium(versions.DefaultCilium)
	ns := intercept.TLSSecretsNamespace(v)
	r, err := intercept.Render(t.Context(), intercept.RenderOptions{Cilium: v, Values: map[string]any{"intercept": map[string]any{"github": map[string]any{
		"secretHeaders": []any{map[string]any{"name": "Authorization", "secret": map[string]any{"name": "api-token", "key": "token"}}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	var custom []runtime.Object
	for _, o := range objs {
		if o.GetKind() == "CiliumNetworkPolicy" || o.GetKind() == "Certificate" || o.GetKind() == "Bundle" {
			custom = append(custom, o)
		}
	}
	cs := fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "api-token"},
		Data: map[string][]byte{"token": []byte(token)}})
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		resources.CiliumNetworkPolicies():            "CiliumNetworkPolicyList",
		resources.CiliumClusterwideNetworkPolicies(): "CiliumClusterwideNetworkPolicyList",
		resources.CiliumEndpoints():                  "CiliumEndpointList",
		resources.Certificates():                     "CertificateList",
		resources.Bundles():                          "BundleList",
	}, custom...)
	dir := t.TempDir()
	opts, err := resolve(Options{ClusterName: "demo", KubeconfigPath: filepath.Join(dir, "kubeconfig"), ArtifactsDir: filepath.Join(dir, "artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	st := &state{r: opts, kind: &fakeKind{exists: true}, kube: cs, dyn: dyn,
		doctor: func(string) (doctor.Source, error) {
			return &doctor.LiveSource{Clientset: cs, Dynamic: dyn, Name: "fake"}, nil
		}}
	bundle, err := collectArtifacts(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	needles := [][]byte{[]byte(token), []byte(base64.StdEncoding.EncodeToString([]byte(token)))}
	files, size, matches := 0, 0, 0
	err = filepath.WalkDir(bundle, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files, size = files+1, size+len(b)
		for _, n := range needles {
			if c := bytes.Count(b, n); c > 0 {
				matches += c
				t.Errorf("%s holds the header secret's value %d time(s)", p, c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leak search: the failure bundle of up (sandbox/pipeline): %d files, %d bytes, %d match(es)", files, size, matches)
	recorded, err := os.ReadFile(filepath.Join(bundle, DoctorDir, "state", "secrets.yaml"))
	if err != nil || !strings.Contains(string(recorded), "name: api-token") || !strings.Contains(string(recorded), base64.StdEncoding.EncodeToString([]byte(doctor.Redacted))) {
		t.Errorf("the doctor's recorded secrets (%v) do not show the header Secret read and redacted:\n%s", err, recorded)
	}
}
