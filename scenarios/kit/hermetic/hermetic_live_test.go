package hermetic

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	cmclient "github.com/cert-manager/cert-manager/pkg/client/clientset/versioned"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// startOrSkip starts a control plane without the chart, or skips when the
// binaries are not built.
func startOrSkip(t *testing.T) *ControlPlane {
	t.Helper()
	dir, err := assets.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := assets.Check(dir); errors.Is(err, ErrNoAssets) {
		t.Skipf("needs the hermetic control-plane binaries (make controlplane): %v", err)
	}
	start := time.Now()
	cp, err := Start(t.Context(), Options{NoChart: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Logf("control plane started in %s: %v", time.Since(start).Round(time.Millisecond), cp.Phases)
	return cp
}

// TestStartIssueStop starts the control plane, has the in-process
// cert-manager issue a self-signed certificate, and checks Stop leaves no
// process behind.
func TestStartIssueStop(t *testing.T) {
	cp := startOrSkip(t)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cp.Stop(context.Background())
		}
	})
	if n := len(cp.Processes()); n != 2 {
		t.Errorf("running control-plane processes = %d, want 2 (etcd, kube-apiserver)", n)
	}
	// The binaries' directory is on their command lines too (argv[0]), which
	// TestStartFailureStopsEverything relies on.
	dir, _ := assets.DefaultDir()
	if n := len(processesWithArgs([]string{dir})); n < 2 {
		t.Errorf("processes started from %s = %d, want at least 2", dir, n)
	}
	cs := kubernetes.NewForConfigOrDie(cp.Config)
	for _, ns := range StartNamespaces {
		if _, err := cs.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{}); err != nil {
			t.Errorf("namespace %s: %v", ns, err)
		}
	}
	cm := cmclient.NewForConfigOrDie(cp.Config)
	ctx := t.Context()
	issuer := &cmapi.ClusterIssuer{
		ObjectMeta: metav1.ObjectMeta{Name: "selfsigned"},
		Spec:       cmapi.IssuerSpec{IssuerConfig: cmapi.IssuerConfig{SelfSigned: &cmapi.SelfSignedIssuer{}}},
	}
	if _, err := cm.CertmanagerV1().ClusterIssuers().Create(ctx, issuer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cert := &cmapi.Certificate{
		ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: SecretsNamespace},
		Spec: cmapi.CertificateSpec{
			SecretName: "probe-tls", DNSNames: []string{"probe.example.com"},
			IssuerRef: cmmeta.IssuerReference{Name: "selfsigned", Kind: "ClusterIssuer"},
		},
	}
	if _, err := cm.CertmanagerV1().Certificates(SecretsNamespace).Create(ctx, cert, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := cm.CertmanagerV1().Certificates(SecretsNamespace).Get(ctx, "probe", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = ""
		for _, c := range got.Status.Conditions {
			last += string(c.Type) + "=" + string(c.Status) + " (" + c.Reason + ": " + c.Message + ") "
			if c.Type == cmapi.CertificateConditionReady && c.Status == cmmeta.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("certificate not Ready: %v; conditions: %s", err, last)
	}
	secret, err := cs.CoreV1().Secrets(SecretsNamespace).Get(ctx, "probe-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(secret.Data["tls.crt"]) == 0 || len(secret.Data["tls.key"]) == 0 {
		t.Errorf("secret probe-tls keys: %v", keys(secret.Data))
	}
	start := time.Now()
	if err := cp.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	stopped = true
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	if pids := cp.Processes(); len(pids) != 0 {
		t.Errorf("processes left after Stop: %v", pids)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStartWithoutAssets(t *testing.T) {
	_, err := Start(t.Context(), Options{AssetsDir: t.TempDir()})
	if !errors.Is(err, ErrNoAssets) {
		t.Fatalf("Start without binaries: err = %v, want ErrNoAssets", err)
	}
}

// TestStartFailureStopsEverything starts the control plane from a private
// copy of the assets with a CRD the API server refuses: Start must fail and
// leave no process running from that copy.
func TestStartFailureStopsEverything(t *testing.T) {
	src, err := assets.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := assets.Check(src); errors.Is(err, ErrNoAssets) {
		t.Skipf("needs the hermetic control-plane binaries (make controlplane): %v", err)
	}
	dir := t.TempDir()
	for _, name := range []string{assets.APIServerBinary, assets.EtcdBinary} {
		if err := os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	bad := &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: "broken.example.com"}}
	cp, err := Start(t.Context(), Options{AssetsDir: dir, CRDs: []*apiextensionsv1.CustomResourceDefinition{bad}, NoChart: true})
	if err == nil {
		_ = cp.Stop(context.Background())
		t.Fatal("Start with an invalid CRD succeeded")
	}
	if !strings.Contains(err.Error(), "control plane") {
		t.Errorf("error %q does not name the failed phase", err)
	}
	if pids := processesWithArgs([]string{dir}); len(pids) != 0 {
		t.Errorf("processes left after a failed Start: %v", pids)
	}
}

// TestStartCilium116 installs the chart for Cilium 1.16, whose chart (not
// Cilium's) creates the secrets namespace: Start must leave it to the chart,
// and the leaf certificates must still be issued into it.
func TestStartCilium116(t *testing.T) {
	dir, err := assets.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := assets.Check(dir); errors.Is(err, ErrNoAssets) {
		t.Skipf("needs the hermetic control-plane binaries (make controlplane): %v", err)
	}
	cp, err := Start(t.Context(), Options{Chart: &ChartOptions{Cilium: versions.MustParseCilium("1.16.19")}})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = cp.Stop(context.Background()) })
	cs := kubernetes.NewForConfigOrDie(cp.Config)
	ns, err := cs.CoreV1().Namespaces().Get(t.Context(), SecretsNamespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Labels["app.kubernetes.io/managed-by"] != "Helm" || ns.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("namespace %s labels %v annotations %v: want the chart's, kept on uninstall", ns.Name, ns.Labels, ns.Annotations)
	}
	err = wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		s, err := cs.CoreV1().Secrets(SecretsNamespace).Get(ctx, "intercept-github-tls", metav1.GetOptions{})
		return err == nil && len(s.Data["tls.crt"]) > 0, nil
	})
	if err != nil {
		t.Errorf("secret intercept-github-tls not issued: %v", err)
	}
}
