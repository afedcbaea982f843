package doctor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"text/tabwriter"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/models"
	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

// This file makes the data-path outputs of the recorded states under
// fixtures/states/*/datapath in the shapes the releases print them:
// cilium-dbg's -o json is json.MarshalIndent of Cilium's API models
// (pkg/command PrintOutput) followed by an empty line; bpf policy get's
// table is the tabwriter output of formatMap in cilium-dbg/cmd/
// bpf_policy_get.go, with the format strings of 1.16 and of 1.20; Envoy's
// admin answers are go-control-plane's envoy.admin.v3 messages in the proto
// JSON Envoy's admin prints (proto field names, one-space indent), passed
// through by cilium-dbg's cmd.Println; Hubble's flows are Cilium's flow
// protos written as `hubble observe -o jsonpb` lines.

// datapathFixture is one state's data path, per agent command.
type datapathFixture struct {
	minor    int // Cilium 1.<minor>
	agent    string
	endpoint *models.Endpoint
	repoRev  int64
	policy   string // the repository's rules as JSON (models.Policy.policy)
	bpf      []policyEntry
	// selectors are the selector cache's selectors and identities.
	selectors map[string][]int64
	lookups   []*models.DNSLookup
	certs     *adminv3.Certificates
	secrets   *adminv3.SecretsConfigDump // nil before SDS
	stats     envoyStats
	flows     []*flowpb.Flow
	// failed maps the file of a command that failed (exit code 1) to what
	// it printed on stderr; its output is then empty.
	failed map[string]string
	// githubHTTP are the github group's HTTP rules as the realized L4
	// filter prints them; nil is the chart's default, [{}].
	githubHTTP []map[string]any
}

// files renders the fixture into datapath/ paths and contents.
func (f datapathFixture) files(t *testing.T) map[string]string {
	t.Helper()
	id := f.endpoint.ID
	out := map[string]string{
		cmdEndpointGet(id).file:                        dbgJSON(t, []*models.Endpoint{f.endpoint}),
		cmdBPFPolicyGet(id).file:                       bpfTable(f.minor, f.bpf),
		cmdPolicyGet().file:                            dbgJSON(t, &models.Policy{Revision: f.repoRev, Policy: f.policy}),
		cmdPolicySelectors().file:                      dbgJSON(t, selectorCache(f.minor, f.selectors)),
		cmdFQDNCache().file:                            dbgJSON(t, f.lookups),
		cmdEnvoyCerts().file:                           envoyJSON(t, f.certs, true),
		cmdEnvoyMetrics(metricsFilterTLS).file:         f.stats.sslText(),
		cmdEnvoyMetrics(metricsFilterConnectFail).file: f.stats.connectFailText(f.minor),
	}
	if f.secrets != nil {
		// ?resource=dynamic_active_secrets: one config per active secret.
		dump := &adminv3.ConfigDump{}
		for _, s := range f.secrets.DynamicActiveSecrets {
			dump.Configs = append(dump.Configs, mustAny(t, s))
		}
		out[cmdEnvoySecrets().file] = envoyJSON(t, dump, false)
	}
	paths := map[string]string{}
	for file, text := range out {
		if stderr, failed := f.failed[file]; failed {
			text = ""
			paths[filepath.Join(DatapathDir, f.agent, file+errSuffix)] = AgentOutput{ExitCode: 1, Stderr: stderr}.errFile()
		}
		paths[filepath.Join(DatapathDir, f.agent, file)] = text
	}
	var b bytes.Buffer
	if err := hubble.WriteJSONL(&b, f.flows); err != nil {
		t.Fatal(err)
	}
	paths[filepath.Join(DatapathDir, FlowsFile)] = b.String()
	return paths
}

// dbgJSON prints v as cilium-dbg -o json does: DumpJSONToString prints the
// indented JSON with Println, then dumpJSON prints the empty jsonpath result.
func dbgJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n\n"
}

// selectorCache is `policy selectors -o json`: models.SelectorCache, whose
// labels are one label array in 1.16 and a list of them in 1.20.
func selectorCache(minor int, sels map[string][]int64) any {
	type mapping116 struct {
		Identities []int64           `json:"identities"`
		Labels     models.LabelArray `json:"labels,omitempty"`
		Selector   string            `json:"selector,omitempty"`
		Users      int64             `json:"users,omitempty"`
	}
	var out116 []mapping116
	out := models.SelectorCache{}
	for _, k := range sortedKeys(sels) {
		ids := append([]int64{}, sels[k]...)
		lbl := models.LabelArray{
			{Key: "io.cilium.k8s.policy.derived-from", Value: "CiliumNetworkPolicy", Source: "k8s"},
			{Key: "io.cilium.k8s.policy.namespace", Value: "intercept-workload", Source: "k8s"},
		}
		out = append(out, &models.SelectorIdentityMapping{Selector: k, Identities: ids, Users: 1, Labels: models.LabelArrayList{lbl}})
		out116 = append(out116, mapping116{Selector: k, Identities: ids, Users: 1, Labels: lbl})
	}
	if minor < 20 {
		return out116
	}
	return out
}

// bpfTable prints entries as `cilium-dbg bpf policy get -n <id>` does:
// formatMap's printIDs branch, 1.16's rows ending in a tab, 1.20's with a
// COOKIE column.
func bpfTable(minor int, entries []policyEntry) string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 5, 0, 3, ' ', 0)
	if minor < 20 {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", "POLICY", "DIRECTION", "IDENTITY", "PORT/PROTO", "PROXY PORT", "AUTH TYPE", "BYTES", "PACKETS", "PREFIX")
	} else {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", "POLICY", "DIRECTION", "IDENTITY", "PORT/PROTO", "PROXY PORT", "AUTH TYPE", "BYTES", "PACKETS", "PREFIX", "COOKIE")
	}
	for i, e := range entries {
		policy, dir, proxy, prefix := "Allow", "Ingress", "NONE", 24
		if e.Deny {
			policy = "Deny"
		}
		if e.Egress {
			dir = "Egress"
		}
		if e.ProxyPort > 0 {
			proxy = fmt.Sprint(e.ProxyPort)
		}
		if e.PortProto == "ANY" {
			prefix = 0
		}
		bytes, packets := uint64(1200*(i+1)), uint64(9*(i+1))
		if minor < 20 {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t\n", policy, dir, e.Identity, e.PortProto, proxy, "disabled", bytes, packets, prefix)
		} else {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", policy, dir, e.Identity, e.PortProto, proxy, "disabled", bytes, packets, prefix, 0)
		}
	}
	w.Flush()
	if len(entries) == 0 {
		b.WriteString("Policy stats empty. Perhaps the policy enforcement is disabled?\n")
	}
	return b.String()
}

// envoyJSON prints m as Envoy's admin does (MessageUtil's proto JSON:
// proto field names, one-space indent; /certs also prints the fields
// without presence, config_dump does not), and cilium-dbg's Println adds a
// newline. protojson's spacing is made stable with json.Compact and
// json.Indent.
func envoyJSON(t *testing.T, m proto.Message, defaults bool) string {
	t.Helper()
	b, err := protojson.MarshalOptions{UseProtoNames: true, EmitDefaultValues: defaults}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", " "); err != nil {
		t.Fatal(err)
	}
	return out.String() + "\n"
}

func mustAny(t *testing.T, m proto.Message) *anypb.Any {
	t.Helper()
	a, err := anypb.New(m)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// envoyCert is a certificate of /certs.
func envoyCert(serial string, notBefore, notAfter time.Time, dns ...string) *adminv3.CertificateDetails {
	d := &adminv3.CertificateDetails{Path: "<inline>", SerialNumber: serial, ValidFrom: timestamppb.New(notBefore), ExpirationTime: timestamppb.New(notAfter),
		DaysUntilExpiration: uint64(notAfter.Sub(fixedNow()).Hours() / 24)}
	for _, n := range dns {
		d.SubjectAltNames = append(d.SubjectAltNames, &adminv3.SubjectAlternateName{Name: &adminv3.SubjectAlternateName_Dns{Dns: n}})
	}
	return d
}

// sdsSecret is an SDS secret of a secrets config dump: a certificate with
// Envoy's redacted key, or a validation context.
func sdsSecret(t *testing.T, name string, updated time.Time, chain []byte, ca []byte) *adminv3.SecretsConfigDump_DynamicSecret {
	t.Helper()
	s := &tlsv3.Secret{Name: name}
	switch {
	case chain != nil:
		s.Type = &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
			CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: chain}},
			PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: []byte("[redacted]")}},
		}}
	default:
		s.Type = &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: &corev3.DataSource{Specifier: &corev3.DataSource_InlineBytes{InlineBytes: ca}},
		}}
	}
	return &adminv3.SecretsConfigDump_DynamicSecret{Name: name, VersionInfo: "3", LastUpdated: timestamppb.New(updated), Secret: mustAny(t, s)}
}

// TestDatapathFixtures renders every state's data path and compares it
// with the files under fixtures/states; -update writes them.
func TestDatapathFixtures(t *testing.T) {
	for _, name := range sortedKeys(datapathFixtures()) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(statesDir, name)
			files := datapathFixtures()[name](t, dir).files(t)
			paths := make([]string, 0, len(files))
			for p := range files {
				paths = append(paths, p)
			}
			sort.Strings(paths)
			for _, p := range paths {
				compareGolden(t, filepath.Join(dir, p), []byte(files[p]))
			}
			if *update {
				return
			}
			got, err := filepath.Glob(filepath.Join(dir, DatapathDir, "*", "*"))
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range got {
				rel, _ := filepath.Rel(dir, g)
				if _, ok := files[rel]; !ok {
					t.Errorf("%s is not made by the generator (remove it or add it to datapathFixtures)", g)
				}
			}
		})
	}
}

func timestamppbAt(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

func boolValue(b bool) *wrapperspb.BoolValue { return wrapperspb.Bool(b) }
