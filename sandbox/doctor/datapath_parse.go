package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/cilium/api/v1/models"
)

// parseEndpoint reads `cilium-dbg endpoint get <id> -o json`: a JSON list
// of the agent's API model of the endpoint (api/v1/models.Endpoint, the
// same fields from 1.16 to 1.20).
func parseEndpoint(out string) (*models.Endpoint, error) {
	var eps []*models.Endpoint
	if err := json.Unmarshal([]byte(out), &eps); err != nil {
		return nil, err
	}
	if len(eps) != 1 || eps[0] == nil || eps[0].Status == nil {
		return nil, fmt.Errorf("want one endpoint with a status, got %d", len(eps))
	}
	return eps[0], nil
}

// parsePolicyRevision reads the repository's revision from `cilium-dbg
// policy get -o json` (api/v1/models.Policy).
func parsePolicyRevision(out string) (int64, error) {
	var p models.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		return 0, err
	}
	return p.Revision, nil
}

// selectorIdentities is one entry of `cilium-dbg policy selectors -o json`
// (models.SelectorIdentityMapping). Its labels changed type between 1.16
// (a label array) and 1.20 (a list of arrays), so they are not read and the
// model type, which fails on the other release's labels, is not used.
type selectorIdentities struct {
	Selector   string  `json:"selector"`
	Identities []int64 `json:"identities"`
}

// parseSelectors reads `cilium-dbg policy selectors -o json` into the
// identities each selector of the agent's selector cache selects.
func parseSelectors(out string) (map[string][]int64, error) {
	var list []selectorIdentities
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, err
	}
	m := make(map[string][]int64, len(list))
	for _, s := range list {
		m[s.Selector] = s.Identities
	}
	return m, nil
}

// parseDNSLookups reads `cilium-dbg fqdn cache list -o json`
// (api/v1/models.DNSLookup entries).
func parseDNSLookups(out string) ([]*models.DNSLookup, error) {
	var l []*models.DNSLookup
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		return nil, err
	}
	return l, nil
}

// policyEntry is one row of `cilium-dbg bpf policy get -n <id>`: an entry of
// the endpoint's BPF policy map.
type policyEntry struct {
	Deny      bool
	Egress    bool
	Identity  int64
	PortProto string // "443/TCP", "ANY", "53/UDP"
	ProxyPort int    // 0 when "NONE"
}

// bpfPolicyColumns are the header cells the table must have. The table is
// cilium-dbg's tabwriter output (padding 3, so cells are apart by at least
// two spaces); 1.20 adds COOKIE, 1.16 ends each row with a tab.
var bpfPolicyColumns = []string{"POLICY", "DIRECTION", "IDENTITY", "PORT/PROTO", "PROXY PORT"}

var cellSep = regexp.MustCompile(`\s{2,}`)

// bpfPolicyEmpty is what cilium-dbg prints below the header for an empty map.
const bpfPolicyEmpty = "Policy stats empty."

// parseBPFPolicy reads the table `cilium-dbg bpf policy get -n <id>` prints.
func parseBPFPolicy(out string) ([]policyEntry, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(strings.TrimSpace(lines[0]), "POLICY") {
		return nil, errors.New("no POLICY header")
	}
	col := map[string]int{}
	for i, h := range cellSep.Split(strings.TrimSpace(lines[0]), -1) {
		col[h] = i
	}
	for _, c := range bpfPolicyColumns {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("no %s column", c)
		}
	}
	var out2 []policyEntry
	for n, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, bpfPolicyEmpty) {
			continue
		}
		e, err := parsePolicyRow(cellSep.Split(l, -1), col)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+2, err)
		}
		out2 = append(out2, e)
	}
	return out2, nil
}

func parsePolicyRow(cells []string, col map[string]int) (policyEntry, error) {
	cell := func(name string) string {
		if i := col[name]; i < len(cells) {
			return cells[i]
		}
		return ""
	}
	id, err := strconv.ParseInt(cell("IDENTITY"), 10, 64)
	if err != nil {
		return policyEntry{}, fmt.Errorf("identity %q is not a number (run with -n)", cell("IDENTITY"))
	}
	e := policyEntry{Deny: cell("POLICY") == "Deny", Egress: cell("DIRECTION") == "Egress", Identity: id, PortProto: cell("PORT/PROTO")}
	if pp := cell("PROXY PORT"); pp != "NONE" {
		if e.ProxyPort, err = strconv.Atoi(pp); err != nil {
			return policyEntry{}, fmt.Errorf("proxy port %q", pp)
		}
	}
	return e, nil
}

// l4Rule is the part of a realized L4 filter the checks read: the JSON
// string pkg/policy's L4Filter.Marshal puts in models.PolicyRule.Rule
// ("port", "protocol", and "l7-rules": one object per selector, keyed by
// the selector's string, holding its L7 rules and TLS contexts). The agent's
// own type lives in pkg/policy, which the doctor does not import.
type l4Rule struct {
	Port     int                          `json:"port"`
	Protocol string                       `json:"protocol"`
	L7Rules  []map[string]json.RawMessage `json:"l7-rules"`
}

// perSelector is what the checks read of one selector's L7 policy.
type perSelector struct {
	TerminatingTLS json.RawMessage   `json:"terminatingTLS"`
	OriginatingTLS json.RawMessage   `json:"originatingTLS"`
	HTTP           []json.RawMessage `json:"http"`
	Listener       string            `json:"listener"`
}

// redirected reports whether the selector's policy sends the port to a proxy.
func (p perSelector) redirected() bool {
	return len(p.TerminatingTLS) > 0 || len(p.OriginatingTLS) > 0 || p.HTTP != nil || p.Listener != ""
}

// realizedEgress returns the endpoint's realized egress L4 rules.
func realizedEgress(ep *models.Endpoint) ([]l4Rule, error) {
	pol := ep.Status.Policy
	if pol == nil || pol.Realized == nil || pol.Realized.L4 == nil {
		return nil, nil
	}
	var out []l4Rule
	for _, r := range pol.Realized.L4.Egress {
		var l l4Rule
		if err := json.Unmarshal([]byte(r.Rule), &l); err != nil {
			return nil, fmt.Errorf("realized egress rule %q: %w", r.Rule, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// redirectedSelectors returns the selectors whose policy on port/proto
// redirects to a proxy in the realized rules.
func redirectedSelectors(rules []l4Rule, port int, proto string) []string {
	var out []string
	for _, r := range rules {
		if r.Port != port || !strings.EqualFold(r.Protocol, proto) {
			continue
		}
		for _, m := range r.L7Rules {
			for sel, raw := range m {
				var p perSelector
				if json.Unmarshal(raw, &p) == nil && p.redirected() {
					out = append(out, sel)
				}
			}
		}
	}
	return out
}
