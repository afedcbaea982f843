package doctor

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/models"
	"github.com/cilium/cilium/pkg/labels"
	"github.com/cilium/cilium/pkg/policy/api"
	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	"github.com/go-openapi/strfmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// datapathFixtures makes the data path of every state that has one.
func datapathFixtures() map[string]func(*testing.T, string) datapathFixture {
	all := configDatapathFixtures()
	for name, f := range upstreamDatapathFixtures() {
		all[name] = f
	}
	return all
}

// configDatapathFixtures are the data paths of the states whose cause is in
// what the agent realized, what Envoy holds, or what Hubble saw of the
// workload's connections.
func configDatapathFixtures() map[string]func(*testing.T, string) datapathFixture {
	return map[string]func(*testing.T, string) datapathFixture{
		"healthy":      func(t *testing.T, dir string) datapathFixture { return baseFixture(t, dir) },
		"healthy-1.16": func(t *testing.T, dir string) datapathFixture { return baseFixture(t, dir) },
		"endpoint-no-redirect": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.repoRev = 14
			f.endpoint = f.makeEndpoint(14, 48213, nil, []string{"k8s:io.kubernetes.pod.namespace=intercept-workload"})
			f.bpf = []policyEntry{{Identity: 0, PortProto: "ANY"}, {Egress: true, Identity: 0, PortProto: "ANY"}}
			f.selectors, f.lookups = map[string][]int64{}, []*models.DNSLookup{}
			f.flows = f.connection(0, 40112, "140.82.112.6", 2, nil, flowNoPolicy)
			f.stats = envoyStats{} // no policy gives Envoy a TLS context for the endpoint
			return f
		},
		"envoy-secret-not-supplied": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.secrets = &adminv3.SecretsConfigDump{} // Envoy holds none of them
			f.certs = &adminv3.Certificates{}
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowTLSError)
			f.stats = envoyStats{handshakeErrors: 1} // no certificate to serve
			return f
		},
		"envoy-old-serial": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			old := envoyCert("3b0f6c2e91d47a58c6e2f09b1d7a4c3e5f6a7b80", fixedNow().Add(-335*24*time.Hour), fixedNow().Add(30*24*time.Hour), "github.com", "*.github.com")
			for _, c := range f.certs.Certificates {
				if c.CertChain[0].SubjectAltNames[0].GetDns() == "github.com" {
					c.CertChain[0] = old
				}
			}
			return f
		},
		"fqdn-not-learned": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			for k := range f.selectors {
				if k != kubeDNSSelector {
					f.selectors[k] = []int64{}
				}
			}
			f.bpf = f.bpf[:3] // ingress and DNS only: no FQDN identity to redirect
			f.endpoint = f.makeEndpoint(12, 31025, []int64{102}, nil)
			f.lookups = []*models.DNSLookup{}
			f.flows = f.connection(0, 40112, "140.82.112.6", 2, nil, flowPolicyDenied)
			return f
		},
		"hubble-l4-only": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.bpf = append(f.bpf, policyEntry{Egress: true, Identity: 2, PortProto: "443/TCP"})
			older := f.flows
			f.flows = append(f.connection(90, 40777, "140.82.113.4", 2, nil, flowL4Forwarded), older...)
			return f
		},
		"shared-address": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			const fake, id = "172.18.0.5", 16777217 // the old hosts block: every name on the fake upstream
			f.selectors = map[string][]int64{kubeDNSSelector: {102},
				"MatchName: , MatchPattern: *.amazonaws.com": {id}, "MatchName: , MatchPattern: *.github.com": {id},
				"MatchName: github.com, MatchPattern: ": {id}, "MatchName: example.com, MatchPattern: ": {id}}
			f.bpf = f.bpf[:4] // one FQDN identity, redirected
			f.endpoint = f.makeEndpoint(12, 31025, []int64{102, id}, nil)
			f.lookups = nil
			for i, n := range []string{"api.github.com.", "github.com.", "sts.amazonaws.com.", "example.com."} {
				f.lookups = append(f.lookups, lookup(n, fake, time.Duration(9-i)*time.Minute))
			}
			f.flows = f.connection(0, 40112, fake, id, []string{"example.com"}, flowIntercepted)
			return f
		},
		"hubble-tls-error": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowTLSError)
			f.stats = envoyStats{handshakeErrors: 1} // the client rejected Envoy's certificate
			return f
		},
	}
}

const (
	workloadIP      = "10.244.1.37"
	workloadPod     = "intercept-workload-6d9c7b8f5d-x2x7q"
	workloadNode    = "cilium-tls-intercept-worker"
	proxyPort       = 12781
	dnsProxyPort    = 37581
	kubeDNSSelector = "&LabelSelector{MatchLabels:map[string]string{any.k8s-app: kube-dns,k8s.io.kubernetes.pod.namespace: kube-system,},MatchExpressions:[]LabelSelectorRequirement{},}"
)

// fixtureState carries what the fixture reads of its state: the version
// and the policy secrets.
type fixtureState struct {
	st      *State
	version versions.Cilium
}

// fixtureOf reads the recorded state in dir.
func fixtureOf(t *testing.T, dir string) fixtureState {
	t.Helper()
	st, err := DumpSource{Dir: dir}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(st, Options{})
	if e.version == nil {
		t.Fatalf("%s: no Cilium release: %v", dir, e.verErr)
	}
	return fixtureState{st: st, version: *e.version}
}

// baseFixture is a healthy data path: the DNS proxy learned github.com and
// api.github.com, egress 443 to their identities goes to Envoy, Envoy holds
// the secrets' certificates and Hubble saw an intercepted request.
func baseFixture(t *testing.T, dir string) datapathFixture {
	t.Helper()
	fs := fixtureOf(t, dir)
	f := datapathFixture{minor: fs.version.Minor, agent: "cilium-lk9vd", repoRev: 12, policy: fs.repositoryJSON(t)}
	f.selectors = map[string][]int64{
		kubeDNSSelector: {102},
		"MatchName: , MatchPattern: *.amazonaws.com": {},
		"MatchName: , MatchPattern: *.github.com":    {16777218},
		"MatchName: github.com, MatchPattern: ":      {16777217},
	}
	f.bpf = []policyEntry{
		{Identity: 0, PortProto: "ANY"},
		{Egress: true, Identity: 102, PortProto: "53/TCP", ProxyPort: dnsProxyPort},
		{Egress: true, Identity: 102, PortProto: "53/UDP", ProxyPort: dnsProxyPort},
		{Egress: true, Identity: 16777217, PortProto: "443/TCP", ProxyPort: proxyPort},
		{Egress: true, Identity: 16777218, PortProto: "443/TCP", ProxyPort: proxyPort},
	}
	f.endpoint = f.makeEndpoint(12, 31025, []int64{102, 16777217, 16777218}, nil)
	f.lookups = []*models.DNSLookup{
		lookup("api.github.com.", "140.82.112.6", 9*time.Minute),
		lookup("github.com.", "140.82.112.3", 9*time.Minute+30*time.Second),
	}
	f.certs = fs.envoyCerts(t)
	if f.minor >= 17 {
		f.secrets = &adminv3.SecretsConfigDump{DynamicActiveSecrets: fs.sdsSecrets(t)}
	}
	f.stats = envoyStats{downstream: 1, upstream: 1}
	f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowIntercepted)
	return f
}

func lookup(name, ip string, ago time.Duration) *models.DNSLookup {
	at := fixedNow().Add(-ago)
	return &models.DNSLookup{EndpointID: 1283, Fqdn: name, Ips: []string{ip}, LookupTime: strfmt.DateTime(at),
		ExpirationTime: strfmt.DateTime(at.Add(time.Hour)), Source: "lookup", TTL: 3600}
}

// repositoryJSON is the agent's policy repository as `policy get` prints it
// (pkg/policy JSONMarshalRules: the rules, indented, with the labels the
// agent gives a CiliumNetworkPolicy's rules).
func (fs fixtureState) repositoryJSON(t *testing.T) string {
	t.Helper()
	var rules api.Rules
	for _, p := range fs.st.Policies {
		r := *p.Spec
		r.Labels = labels.LabelArray{
			labels.NewLabel("io.cilium.k8s.policy.derived-from", "CiliumNetworkPolicy", labels.LabelSourceK8s),
			labels.NewLabel("io.cilium.k8s.policy.name", p.Name, labels.LabelSourceK8s),
			labels.NewLabel("io.cilium.k8s.policy.namespace", p.Namespace, labels.LabelSourceK8s),
			labels.NewLabel("io.cilium.k8s.policy.uid", string(p.UID), labels.LabelSourceK8s),
		}
		rules = append(rules, &r)
	}
	b, err := json.MarshalIndent(rules, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leaf is the tls.crt of a policy secret of the state.
func (fs fixtureState) leaf(t *testing.T, r secretRef) (*x509.Certificate, []byte) {
	t.Helper()
	e := newEnv(fs.st, Options{})
	c, err := e.servedCertificate(r)
	if err != nil || c == nil {
		t.Fatalf("secret %s: %v", r, err)
	}
	return c, fs.st.secret(r.Namespace, r.Name).Data["tls.crt"]
}

// envoyCerts is /certs: a context per terminating secret, and the upstream
// trust for the originating ones.
func (fs fixtureState) envoyCerts(t *testing.T) *adminv3.Certificates {
	t.Helper()
	out := &adminv3.Certificates{}
	for _, r := range secretRefs(fs.st.tlsPorts()) {
		if r.Originated {
			continue
		}
		c, _ := fs.leaf(t, r)
		out.Certificates = append(out.Certificates, &adminv3.Certificate{CertChain: []*adminv3.CertificateDetails{
			envoyCert(serialHex(c.SerialNumber), c.NotBefore, c.NotAfter, c.DNSNames...)}})
	}
	return out
}

// sdsSecrets are the operator's copies as Envoy holds them over SDS.
func (fs fixtureState) sdsSecrets(t *testing.T) []*adminv3.SecretsConfigDump_DynamicSecret {
	t.Helper()
	var out []*adminv3.SecretsConfigDump_DynamicSecret
	for _, r := range secretRefs(fs.st.tlsPorts()) {
		name := ciliumtls.SDSSecretName(fs.version, ciliumtls.SecretsNamespace, r.Namespace, r.Name)
		updated := time.Date(2026, 11, 26, 8, 4, 44, 0, time.UTC)
		if r.Originated {
			out = append(out, sdsSecret(t, name, updated, nil, fs.st.secret(r.Namespace, r.Name).Data["ca.crt"]))
			continue
		}
		_, pem := fs.leaf(t, r)
		out = append(out, sdsSecret(t, name, updated, pem, nil))
	}
	return out
}

// makeEndpoint is the agent's model of the workload's endpoint with policy
// revision rev; allowed nil means no policy selects it.
func (f datapathFixture) makeEndpoint(rev, identity int64, allowed []int64, idLabels []string) *models.Endpoint {
	if idLabels == nil {
		idLabels = []string{"k8s:app=intercept-workload", "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=intercept-workload",
			"k8s:io.cilium.k8s.policy.cluster=default", "k8s:io.cilium.k8s.policy.serviceaccount=default", "k8s:io.kubernetes.pod.namespace=intercept-workload"}
	}
	pol := &models.EndpointPolicy{ID: identity, Build: rev, PolicyRevision: rev, AllowedIngressIdentities: []int64{0}, AllowedEgressIdentities: allowed,
		DeniedIngressIdentities: []int64{}, DeniedEgressIdentities: []int64{}, PolicyEnabled: models.EndpointPolicyEnabledNone, L4: &models.L4Policy{Ingress: []*models.PolicyRule{}, Egress: []*models.PolicyRule{}}}
	if allowed != nil {
		pol.PolicyEnabled = models.EndpointPolicyEnabledEgress
		pol.L4.Egress = f.egressRules()
	}
	state := models.EndpointStateReady
	return &models.Endpoint{ID: 1283,
		Spec: &models.EndpointConfigurationSpec{LabelConfiguration: &models.LabelConfigurationSpec{User: []string{}}},
		Status: &models.EndpointStatus{
			ExternalIdentifiers: &models.EndpointIdentifiers{ContainerID: "7f3c0a9d1e2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5",
				K8sNamespace: "intercept-workload", K8sPodName: workloadPod, PodName: "intercept-workload/" + workloadPod},
			Identity:   &models.Identity{ID: identity, Labels: idLabels},
			Log:        []*models.EndpointStatusChange{{Code: "OK", Message: "Successfully regenerated endpoint program (Reason: policy rules added)", State: "ready", Timestamp: "2026-11-26T08:05:04Z"}},
			Networking: &models.EndpointNetworking{Addressing: []*models.AddressPair{{IPv4: workloadIP}}, InterfaceName: "lxc4e1b5a7c9d2f"},
			Policy:     &models.EndpointPolicyStatus{Realized: pol, Spec: pol, ProxyPolicyRevision: rev, ProxyStatistics: []*models.ProxyStatistics{}},
			State:      &state,
		}}
}
