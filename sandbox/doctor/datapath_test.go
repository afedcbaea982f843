package doctor

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/cilium/api/v1/models"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

func fqdnSelectorOf(s string) api.FQDNSelector {
	if strings.Contains(s, "*") {
		return api.FQDNSelector{MatchPattern: s}
	}
	return api.FQDNSelector{MatchName: s}
}

// copyState copies a recorded state into a temporary directory.
func copyState(t *testing.T, name string) string {
	t.Helper()
	src, dst := filepath.Join(statesDir, name), t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// runWithDatapath runs the doctor over state name with its data path made
// by the fixture, changed by change.
func runWithDatapath(t *testing.T, name string, change func(*datapathFixture)) *Report {
	t.Helper()
	dir := copyState(t, name)
	f := datapathFixtures()[name](t, dir)
	change(&f)
	for p, text := range f.files(t) {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestRedirectMissingAfterFailedRegeneration: a realized revision behind
// the repository's points at the failed regeneration and the status log.
func TestRedirectMissingAfterFailedRegeneration(t *testing.T) {
	rep := runWithDatapath(t, "healthy", func(f *datapathFixture) {
		f.endpoint = f.makeEndpoint(9, 31025, []int64{102}, nil)
		f.endpoint.Status.Policy.Realized.L4.Egress = f.endpoint.Status.Policy.Realized.L4.Egress[:2]
		f.endpoint.Status.Log = append([]*models.EndpointStatusChange{{Code: "Failure", State: "ready",
			Message: "Error regenerating endpoint: unable to regenerate policy for '1283': secrets \"intercept-github-tls\" not found", Timestamp: "2026-11-26T09:01:12Z"}}, f.endpoint.Status.Log...)
		f.bpf = f.bpf[:3]
		for k := range f.selectors {
			if k != kubeDNSSelector {
				delete(f.selectors, k)
			}
		}
	})
	f := rep.Finding("endpoint-redirect")
	ev := strings.Join(f.Evidence, "\n")
	if rep.RootCause != "endpoint-redirect" || !strings.Contains(f.Reason, "realized policy revision 9 lags the agent's repository (revision 12)") ||
		!strings.Contains(f.Fix, "cilium-dbg endpoint regenerate 1283") || !strings.Contains(ev, `secrets "intercept-github-tls" not found`) {
		t.Fatalf("endpoint-redirect = %s %q\nfix %q\nevidence %s", f.Status, f.Reason, f.Fix, ev)
	}
	if !strings.Contains(ev, "policy revision realized 9, computed 9, acknowledged by Envoy 9; the agent's repository at 12") {
		t.Errorf("endpoint-redirect evidence lacks the revisions and Envoy's acknowledgement:\n%s", ev)
	}
	if s := rep.Finding("envoy-secrets"); s.Reason != "not checked: endpoint-redirect failed" {
		t.Errorf("envoy-secrets = %s %q, want it to wait for endpoint-redirect", s.Status, s.Reason)
	}
}

// TestAgentAnswersThatCannotBeRead feeds each command an answer of the
// kinds the agent gives when it fails: the check skips naming the command
// and the first line, and the checks after it still run.
func TestAgentAnswersThatCannotBeRead(t *testing.T) {
	cases := []struct {
		name, file, check string
		out               AgentOutput
		want              string
	}{
		{"command the release lacks", cmdEnvoySecrets().file, "envoy-secrets",
			AgentOutput{ExitCode: 1, Stderr: "Error: unknown command \"secrets\" for \"cilium-dbg envoy admin config\"\nRun 'cilium-dbg envoy admin config --help' for usage.\n"},
			"`cilium-dbg envoy admin config secrets` in kube-system/cilium-lk9vd exited with code 1: \"Error: unknown command \\\"secrets\\\" for \\\"cilium-dbg envoy admin config\\\"\""},
		{"agent error", cmdEndpointGet(1283).file, "endpoint-redirect",
			AgentOutput{ExitCode: 1, Stderr: "Error: Cannot get endpoint 1283: [GET /endpoint/{id}][404] getEndpointIdNotFound\n"},
			"exited with code 1: \"Error: Cannot get endpoint 1283: [GET /endpoint/{id}][404] getEndpointIdNotFound\""},
		{"output that does not parse", cmdFQDNCache().file, "fqdn-learned",
			AgentOutput{Stdout: "Endpoint   Source   FQDN   TTL   ExpirationTime   IPs\n"},
			"`cilium-dbg fqdn cache list -o json` in kube-system/cilium-lk9vd printed output the doctor cannot read"},
		{"exec failed", cmdEnvoyCerts().file, "envoy-secrets",
			AgentOutput{Err: "exec in kube-system/cilium-lk9vd/cilium-agent: container not found (\"cilium-agent\")"},
			"`cilium-dbg envoy admin certs` could not run in kube-system/cilium-lk9vd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			o := st.agentOutput("cilium-lk9vd", c.file)
			c.out.Agent, c.out.File = o.Agent, o.File
			*o = c.out
			rep := Evaluate(st, Options{Now: fixedNow})
			f := rep.Finding(c.check)
			if f.Status != StatusUnread || !strings.Contains(f.Reason, c.want) {
				t.Fatalf("%s = %s %q, want unread with %q", c.check, f.Status, f.Reason, c.want)
			}
			if h := rep.Finding("hubble-flows"); h.Status != StatusPass || rep.RootCause != "" {
				t.Errorf("hubble-flows = %s, root cause %q: an unreadable answer must not hide later checks or fail", h.Status, rep.RootCause)
			}
		})
	}
}

// TestDumpWithoutDatapath: every dump recorded before the data-path checks
// skips them and says what to add.
func TestDumpWithoutDatapath(t *testing.T) {
	dir := copyState(t, "healthy")
	if err := os.RemoveAll(filepath.Join(dir, DatapathDir)); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range datapathChecks() {
		f := rep.Finding(c.id)
		if f.Status != StatusUnread || !strings.HasPrefix(f.Reason, "the dump has no") {
			t.Errorf("%s = %s %q, want unread, saying what the dump lacks", c.id, f.Status, f.Reason)
		}
	}
	if rep.RootCause != "" {
		t.Errorf("root cause %q", rep.RootCause)
	}
}

// TestNoAgentOnTheNode: a pod on a node without an agent skips, naming
// the node.
func TestNoAgentOnTheNode(t *testing.T) {
	st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []corev1.Pod
	for _, p := range st.Pods {
		if p.Name != "cilium-lk9vd" {
			kept = append(kept, p)
		}
	}
	st.Pods = kept
	rep := Evaluate(st, Options{Now: fixedNow})
	for _, id := range []string{"endpoint-redirect", "fqdn-learned", "envoy-secrets"} {
		f := rep.Finding(id)
		if f.Status != StatusUnread || !strings.Contains(f.Reason, `no Cilium agent pod runs on node "cilium-tls-intercept-worker"`) {
			t.Errorf("%s = %s %q, want unread, naming the node", id, f.Status, f.Reason)
		}
	}
}

// TestRecordStripsPrivateKeys: a config dump holding a key and an output
// with a PEM key are recorded without them.
func TestRecordStripsPrivateKeys(t *testing.T) {
	const pemKey = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKeyMaterialThatMustNotBeRecorded\n-----END EC PRIVATE KEY-----"
	st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	o := st.agentOutput("cilium-lk9vd", cmdEnvoySecrets().file)
	o.Stdout = strings.Replace(o.Stdout, `"W3JlZGFjdGVkXQ=="`, `"LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t"`, 1)
	c := st.agentOutput("cilium-lk9vd", cmdEnvoyCerts().file)
	c.ExitCode, c.Stderr = 1, "unexpected answer:\n"+pemKey+"\n"
	dir := t.TempDir()
	if err := WriteState(context.Background(), dir, st); err != nil {
		t.Fatal(err)
	}
	for file, leak := range map[string]string{cmdEnvoySecrets().file: "LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t", cmdEnvoyCerts().file + errSuffix: "KeyMaterial"} {
		b, err := os.ReadFile(filepath.Join(dir, DatapathDir, "cilium-lk9vd", file))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), leak) {
			t.Errorf("%s keeps key material:\n%s", file, b)
		}
	}
	back, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if f := back.Finding("envoy-secrets"); f.Status != StatusUnread || !strings.Contains(f.Reason, "exited with code 1") {
		t.Errorf("envoy-secrets from the record = %s %q, want the recorded failure", f.Status, f.Reason)
	}
}

// TestEndpointRegenerating: a redirect in place while the endpoint
// regenerates towards the repository's revision is a warning naming the
// revisions, not a failure; once Envoy's ACK wait failed it is one.
func TestEndpointRegenerating(t *testing.T) {
	cases := []struct {
		name   string
		change func(*models.Endpoint)
		status Status
		want   string
	}{
		{"regenerating", func(ep *models.Endpoint) {
			st := models.EndpointStateRegenerating
			ep.Status.State = &st
		}, StatusWarn, "is regenerating: its realized policy revision 11 is behind the agent's repository (12)"},
		{"proxy ACK timed out", func(ep *models.Endpoint) {
			ep.Status.Log = append([]*models.EndpointStatusChange{{Code: "Failure", State: "ready", Timestamp: "2026-11-26T09:13:10Z",
				Message: "Error regenerating endpoint: error waiting for proxy network policy update: proxy state changes failed: context deadline exceeded"}}, ep.Status.Log...)
		}, StatusFail, "timed out waiting for Envoy to acknowledge the network policy (realized revision 11, acknowledged by Envoy 11, repository 12)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := runWithDatapath(t, "healthy", func(f *datapathFixture) {
				ep := f.makeEndpoint(12, 31025, []int64{102, 16777217, 16777218}, nil)
				realized := *ep.Status.Policy.Realized
				realized.PolicyRevision, realized.Build = 11, 11
				ep.Status.Policy.Realized, ep.Status.Policy.ProxyPolicyRevision = &realized, 11
				c.change(ep)
				f.endpoint = ep
			})
			f := rep.Finding("endpoint-redirect")
			if f.Status != c.status || !strings.Contains(f.Reason, c.want) {
				t.Fatalf("endpoint-redirect = %s %q, want %s with %q", f.Status, f.Reason, c.status, c.want)
			}
		})
	}
}
