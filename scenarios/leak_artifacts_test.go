package scenarios

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cncf/xds/go/udpa/annotations"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func (a *agentTier) featureNothingLeaks() features.Feature {
	return agentFeature("nothing leaks: the header secret's value is in no artifact", scenario.CredentialInjection).
		Assess("the workload, the chart, the doctor, lint and the failure bundle hold no header value", timed(func(ctx context.Context, t *testing.T) {
			l := newLeakSearch(suite.tokens.all())
			if len(l.needles) == 0 {
				t.Fatal("the suite made no header value to search for")
			}
			a.leakControls(ctx, t, l)
			a.leakWorkload(ctx, t, l)
			a.leakChart(ctx, t, l)
			a.leakCommands(ctx, t, l)
			a.leakBundle(ctx, t, l)
			// Hubble's flows: sandbox/cilium's TestHubbleRedactsSecretHeaders
			// runs Cilium's own Hubble parser under the sandbox's cilium-config.
			assertEnvoyRedactsGenericSecrets(t)
			l.report(t)
		})).Feature()
}

// leakControls searches what must hold the value: the Secret and the
// operator's copy, as the API serves them (the security boundary: readable
// by Cilium's operator and agent).
func (a *agentTier) leakControls(ctx context.Context, t *testing.T, l *leakSearch) {
	t.Helper()
	src := a.h.headerSecret()
	controls := []struct{ what, ns, name string }{
		{"the Secret " + src.String() + " (API object)", src.Namespace, src.Name},
	}
	if a.config.SDS() {
		ns := a.secretsNS()
		controls = append(controls, struct{ what, ns, name string }{"the operator's copy in " + ns + " (API object)", ns,
			strings.TrimPrefix(a.waitHeaderCopy(ctx, t, src), ns+"/")})
	}
	for _, s := range controls {
		sec, err := a.h.kube.CoreV1().Secrets(s.ns).Get(ctx, s.name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l.addControl(s.what, mustJSON(t, sec))
	}
}

// leakWorkload searches the workload's pod template, which must not name
// the Secret either (no env, envFrom or volume from it).
func (a *agentTier) leakWorkload(ctx context.Context, t *testing.T, l *leakSearch) {
	t.Helper()
	dep, err := a.h.kube.AppsV1().Deployments(intercept.WorkloadNamespace).Get(ctx, intercept.WorkloadLabel, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := mustJSON(t, dep.Spec.Template)
	if bytes.Contains(b, []byte(headerSecret)) {
		t.Errorf("the workload's pod template names the Secret %s", headerSecret)
	}
	l.add("the workload's pod spec and environment (Deployment "+intercept.WorkloadNamespace+"/"+intercept.WorkloadLabel+")", b)
}

// leakChart searches the chart's render with the suite's values and the
// Helm release record the install stored (every revision).
func (a *agentTier) leakChart(ctx context.Context, t *testing.T, l *leakSearch) {
	t.Helper()
	r, err := intercept.Render(ctx, intercept.RenderOptions{Cilium: a.h.cilium, Values: chartValues(upstreamLocal, a.certs.CAPEM)})
	if err != nil {
		t.Fatal(err)
	}
	l.add("the chart's rendered output (sandbox render, the suite's values)", []byte(strings.Join(r.Documents(), "\n---\n")))
	list, err := a.h.kube.CoreV1().Secrets(intercept.DefaultNamespace).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	var records bytes.Buffer
	for _, s := range list.Items {
		records.Write(helmRecord(t, s.Data["release"]))
	}
	l.add("the chart's Helm release records ("+intercept.DefaultNamespace+", decoded)", records.Bytes())
}

// helmRecord decodes a Helm release Secret's data (base64 of gzip of JSON,
// Helm's storage driver).
func helmRecord(t *testing.T, data []byte) []byte {
	t.Helper()
	z, err := base64.StdEncoding.DecodeString(string(data))
	if err != nil {
		t.Fatalf("helm release record: %v", err)
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatalf("helm release record: %v", err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("helm release record: %v", err)
	}
	return b
}

// leakCommands runs the sandbox's own commands against the cluster and
// searches what they print and write: the doctor with every evidence, as
// JSON, and its --record dump; lint on the chart's render together with a
// manifest of the Secret, value included, as a user might lint it.
func (a *agentTier) leakCommands(ctx context.Context, t *testing.T, l *leakSearch) {
	t.Helper()
	kc := a.h.cp.KubeconfigPath
	record := t.TempDir()
	l.add("sandbox doctor -v (standard output and error)", runSandbox(t, "doctor", "--kubeconfig", kc, "-v", "--record", record))
	l.add("sandbox doctor -o json", runSandbox(t, "doctor", "--kubeconfig", kc, "-o", "json"))
	if err := l.addDir("sandbox doctor --record (the recorded state)", record); err != nil {
		t.Fatal(err)
	}
	src := a.h.headerSecret()
	sec, err := a.h.kube.CoreV1().Secrets(src.Namespace).Get(ctx, src.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sec.APIVersion, sec.Kind, sec.ManagedFields = "v1", "Secret", nil
	r, err := intercept.Render(ctx, intercept.RenderOptions{Cilium: a.h.cilium, Values: chartValues(upstreamLocal, a.certs.CAPEM)})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	manifest := strings.Join(append(r.Documents(), string(mustJSON(t, sec))), "\n---\n")
	if err := os.WriteFile(filepath.Join(dir, "manifests.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	l.add("sandbox lint -f (the chart's render and the Secret's manifest)", runSandbox(t, "lint", "-f", dir, "--cilium-version", a.h.cilium.String()))
	l.add("sandbox lint -o json", runSandbox(t, "lint", "-f", dir, "--cilium-version", a.h.cilium.String(), "-o", "json"))
}

// runSandbox runs the sandbox command line in-process and returns what it
// printed.
func runSandbox(t *testing.T, args ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	code := app.Main(args, strings.NewReader(""), &out, &out)
	t.Logf("sandbox %s: exit code %d, %d bytes of output", args[0], code, out.Len())
	return out.Bytes()
}

// leakBundle writes the scenarios' failure bundle for this cluster (the
// doctor with its state, Cilium and Envoy logs, policies, endpoints,
// certificates, secret names and keys, Hubble flows, kind logs) and
// searches it; the steps this cluster cannot serve (Hubble Relay, pod
// logs) are logged.
func (a *agentTier) leakBundle(ctx context.Context, t *testing.T, l *leakSearch) {
	t.Helper()
	dyn, err := dynamic.NewForConfig(a.h.cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	s := &suiteState{opts: runOptions{provider: providerHermetic}, cs: a.h.kube, dyn: dyn, rest: a.h.cp.Config}
	dir := t.TempDir()
	for _, err := range s.collect(ctx, dir) {
		t.Logf("failure bundle: %v", err)
	}
	if err := l.addDir("the scenarios' failure bundle (as written for a failed feature)", dir); err != nil {
		t.Fatal(err)
	}
}

// assertEnvoyRedactsGenericSecrets checks what the doctor's recorded
// `cilium-dbg envoy admin config secrets` would show of a header value:
// Envoy's config dump replaces fields marked udpa.annotations.sensitive
// with "[redacted]", and a generic secret's value is one.
func assertEnvoyRedactsGenericSecrets(t *testing.T) {
	t.Helper()
	for _, f := range []string{"secret", "secrets"} {
		fd := (&tlsv3.GenericSecret{}).ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(f))
		if sensitive, _ := proto.GetExtension(fd.Options(), annotations.E_Sensitive).(bool); !sensitive {
			t.Errorf("Envoy's GenericSecret.%s is not marked sensitive: Envoy's config dump would show header values", f)
		}
	}
	t.Log("Envoy's config dump (cilium-dbg envoy admin config secrets, which the doctor records): GenericSecret.secret is marked sensitive, so Envoy prints [redacted]")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
