package agentprobe

import (
	"context"
	"crypto/x509"
	"regexp"
	"strings"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// scenarioWorld is the chart with the scenarios' values: github (GET /meta
// only), aws and google ([{}]), example.com passed through; a sandbox CA
// signing each group's leaf and a fake public CA signing the upstream's.
func scenarioWorld(t *testing.T) (*fakeWorld, *x509.CertPool, *x509.CertPool, *Upstream) {
	t.Helper()
	sandbox, public := newTestCA(t, "sandbox CA"), newTestCA(t, "fake public CA")
	secrets := envoystandin.Secrets{"upstream-ca": caSecret(public.pem)}
	w := &fakeWorld{secrets: secrets}
	for _, g := range []struct{ name, re string }{{"github", `^(github\.com|[^.]+\.github\.com)$`}, {"aws", `^[^.]+\.amazonaws\.com$`}, {"google", `^[^.]+\.googleapis\.com$`}} {
		chain, key := sandbox.leaf(t, map[string][]string{"github": {"github.com", "*.github.com"}, "aws": {"*.amazonaws.com"}, "google": {"*.googleapis.com"}}[g.name]...)
		secrets[g.name] = tlsSecret(chain, key)
		gr := group{names: regexp.MustCompile(g.re), secret: g.name}
		if g.name == "github" {
			gr.http = getMetaOnly()
		} else {
			gr.http = []*cilium.HttpNetworkPolicyRule{{}} // [{}]
		}
		w.groups = append(w.groups, gr)
	}
	w.groups = append(w.groups, group{names: regexp.MustCompile(`^example\.com$`)})
	chain, key := public.leaf(t, "api.github.com", "sts.amazonaws.com", "storage.googleapis.com", "example.com")
	up, err := StartUpstream(context.Background(), chain, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(up.Close)
	pod, pub := x509.NewCertPool(), x509.NewCertPool()
	pod.AddCert(sandbox.cert)
	pub.AddCert(public.cert)
	return w, pod, pub, up
}

// TestOldAnswersBreakPassThroughAndL7Deny is the defect on the agent
// provider: with every name on one address, example.com is terminated with
// github's leaf (not the upstream's public chain) and POST /meta passes;
// with one address per name both behave. The probe results come from
// probe.Classify, as the curl probe's do.
func TestOldAnswersBreakPassThroughAndL7Deny(t *testing.T) {
	w, pod, public, up := scenarioWorld(t)
	names := []string{"api.github.com", "sts.amazonaws.com", "storage.googleapis.com", "example.com"}
	old, distinct := dnsanswer.Answers{}, dnsanswer.Answers{}
	for i, n := range names {
		old.Add(n, mustAddr("172.18.0.5"), 30)
		distinct.Add(n, mustAddr("172.18.0."+string(rune('6'+i))), 30)
	}
	tests := []struct {
		name        string
		answers     dnsanswer.Answers
		passThrough bool // example.com gets the upstream's public chain
		postMeta    probe.Expectation
	}{
		{"old answers: every name on one address", old, false, probe.Intercepted},
		{"one address per name", distinct, true, probe.Denied403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Prober{World: w, Answers: tt.answers, PodCA: pod, Upstream: up}
			ctx := context.Background()
			pass, err := p.Probe(ctx, probe.Request{URL: "https://example.com/", MaxTime: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if got := pass.VerifyAgainst(public, time.Now()) == nil; got != tt.passThrough {
				t.Errorf("example.com: public chain %v, want %v: %s (leaf issuer %v)", got, tt.passThrough, pass.Expectation, pass.Leaf)
			}
			post, err := p.Probe(ctx, probe.Request{URL: "https://api.github.com/meta", Method: "POST", MaxTime: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := post.Expect(tt.postMeta); err != nil {
				t.Error(err)
			}
			get, err := p.Probe(ctx, probe.Request{URL: "https://api.github.com/meta", MaxTime: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := get.Expect(probe.Intercepted); err != nil || !strings.Contains(get.Body, "fake_upstream") {
				t.Errorf("GET /meta: %v, body %q", err, get.Body)
			}
		})
	}
}

// TestUnansweredAndDropped: a name with no answer fails as curl's exit 6; an
// address no rule selects is dropped and times out.
func TestUnansweredAndDropped(t *testing.T) {
	w, pod, _, up := scenarioWorld(t)
	a := dnsanswer.Answers{}
	a.Add("www.wikipedia.org", mustAddr("185.15.59.224"), 300)
	p := &Prober{World: w, Answers: a, PodCA: pod, Upstream: up}
	for url, want := range map[string]probe.Expectation{"https://unknown.example/": probe.Failed, "https://www.wikipedia.org/": probe.Timeout} {
		r, err := p.Probe(context.Background(), probe.Request{URL: url, MaxTime: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Expect(want); err != nil {
			t.Error(err)
		}
	}
}
