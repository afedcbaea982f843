package agent

import (
	"fmt"
	"io"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// WriteText summarises each release per workload and port, then the
// differences.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i := range r.Releases {
		writeRelease(&b, &r.Releases[i])
	}
	writeStandIns(&b, r)
	if len(r.Releases) == 2 {
		writeDifferences(&b, r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRelease(b *strings.Builder, r *Release) {
	how := "reused"
	if r.Helper.Built {
		how = "built"
	}
	fmt.Fprintf(b, "\nagent: Cilium %s's own code (helper %s, %.1fs)\n", r.Cilium, how, r.Helper.Took)
	fmt.Fprintf(b, "  configuration: %s\n", r.Config)
	fmt.Fprintf(b, "    %s\n", settingsText(r.Settings))
	for _, m := range r.Hello.Modules {
		fmt.Fprintf(b, "  module: %s\n", m)
	}
	b.WriteString("  policies (Cilium's Parse and Sanitize):\n")
	for _, p := range r.Policies {
		id := p.Kind + " " + strings.TrimPrefix(p.Namespace+"/"+p.Name, "/")
		if p.Error != "" {
			fmt.Fprintf(b, "    ✗ %s: %s\n", id, p.Error)
		} else {
			fmt.Fprintf(b, "    ✓ %s (%s)\n", id, plural(p.Rules, "rule"))
		}
	}
	writeOperator(b, r.Operator)
	names := identityNames(r.LintResult)
	b.WriteString("  DNS answers -> identities (the agent's IP cache, through its name manager):\n")
	for _, e := range r.IPCache {
		if len(e.Names) == 0 {
			continue
		}
		fmt.Fprintf(b, "    %s %s -> %d %s\n", strings.Join(e.Names, ","), e.Prefix, e.Identity, nameOf(names, e.Identity))
	}
	for _, w := range r.Workloads {
		writeWorkload(b, w, names)
	}
}

func settingsText(ss []wire.Setting) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.Key+"="+s.Value)
	}
	return strings.Join(parts, " ")
}

func writeOperator(b *strings.Builder, op wire.Operator) {
	if !op.Enabled {
		fmt.Fprintf(b, "  operator secret sync: off (%s)\n", op.Reason)
		return
	}
	fmt.Fprintf(b, "  operator secret sync into %s: %d copies\n", op.SecretsNamespace, len(op.Copies))
	for _, c := range op.Copies {
		fmt.Fprintf(b, "    %s/%s <- %s/%s (%s: %s)\n", c.Namespace, c.Name,
			c.Labels["secretsync.cilium.io/owning-secret-namespace"], c.Labels["secretsync.cilium.io/owning-secret-name"],
			c.Type, strings.Join(c.Keys, ", "))
	}
	for _, rc := range op.Reconciles {
		fmt.Fprintf(b, "    reconcile %s: %s\n", rc.Secret, reconcileOutcome(rc))
	}
	for _, c := range op.Calls {
		if c.Error != "" {
			fmt.Fprintf(b, "    ✗ %s %s %s/%s: %s\n", c.Verb, c.Kind, c.Namespace, c.Name, c.Error)
		}
	}
}

func writeWorkload(b *strings.Builder, w wire.WorkloadView, names map[uint32]string) {
	fmt.Fprintf(b, "  %s: identity %d, endpoint %d at %s\n", w.Workload.Name, w.Identity, w.EndpointID, w.EndpointIPv4)
	if w.PolicyError != "" {
		fmt.Fprintf(b, "    ✗ the agent cannot compute its policy: %s\n", w.PolicyError)
		for _, l := range w.Logged {
			fmt.Fprintf(b, "      logged: %s\n", l)
		}
		return
	}
	served := map[string]bool{}
	for _, s := range w.SDS {
		served[s.Name] = true
	}
	listeners := map[string]string{}
	for _, r := range w.Redirects {
		if port, proto, ok := redirectPort(r.ProxyID); ok {
			kind := "the DNS proxy"
			if r.Listener != "" {
				kind = "Envoy's listener " + r.Listener
			}
			listeners[fmt.Sprintf("%d/%s", port, proto)] = fmt.Sprintf("redirected to %s (proxy port %d)", kind, r.ProxyPort)
		}
	}
	for _, p := range egressPolicies(w.NPDS) {
		via := listeners[p.portText()]
		if via == "" {
			via = "not redirected"
		}
		fmt.Fprintf(b, "    egress %s: %s\n", p.portText(), via)
		for _, rule := range p.rules {
			fmt.Fprintf(b, "      %s%s\n", rule.remotesText(names), ruleText(rule, served))
		}
	}
	fmt.Fprintf(b, "    policy map: %d entries; NPDS, listener and SDS in -o json\n", len(w.PolicyMap))
}

// ruleText says what Envoy does for a rule: its TLS contexts (with whether
// the agent serves their SDS secrets), server names and HTTP rules.
func ruleText(r portRule, served map[string]bool) string {
	var parts []string
	mark := func(ctx string) string {
		for _, n := range r.sdsNames {
			if strings.Contains(ctx, n) {
				if served[n] {
					ctx = strings.Replace(ctx, n, n+" (served)", 1)
				} else {
					ctx = strings.Replace(ctx, n, n+" (✗ not served)", 1)
				}
			}
		}
		return ctx
	}
	if r.terminate != "" {
		parts = append(parts, "terminate TLS: "+mark(r.terminate))
	}
	if r.originate != "" {
		parts = append(parts, "originate TLS: "+mark(r.originate))
	}
	if len(r.serverNames) > 0 {
		parts = append(parts, "serverNames "+strings.Join(r.serverNames, ","))
	}
	if r.hasHTTP {
		parts = append(parts, plural(r.httpRules, "HTTP rule"))
	}
	if len(parts) == 0 {
		return ": allowed"
	}
	return ": " + strings.Join(parts, "; ")
}

// redirectPort reads the port and protocol of a proxy ID
// ("1:egress:TCP:443:", pkg/policy ProxyID).
func redirectPort(id string) (uint32, string, bool) {
	parts := strings.Split(id, ":")
	if len(parts) < 4 {
		return 0, "", false
	}
	var port uint32
	if _, err := fmt.Sscanf(parts[3], "%d", &port); err != nil {
		return 0, "", false
	}
	return port, parts[2], true
}

// writeStandIns lists what stood in for what: the sandbox's stand-ins for
// what the manifests lack, then the helpers' for what does not run.
func writeStandIns(b *strings.Builder, r *Report) {
	b.WriteString("\nstood in for (not in the manifests, or not running here):\n")
	seen := map[string]bool{}
	var lines []string
	lines = append(lines, r.StandIns...)
	for _, rel := range r.Releases {
		lines = append(lines, rel.StandIns...)
	}
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			fmt.Fprintf(b, "  %s\n", l)
		}
	}
}

func writeDifferences(b *strings.Builder, r *Report) {
	a, c := r.Releases[0].Cilium, r.Releases[1].Cilium
	if len(r.Differences) == 0 {
		fmt.Fprintf(b, "\nCilium %s and %s: no difference in verdicts, copies, policy map, NPDS, listener or SDS\n", a, c)
		return
	}
	fmt.Fprintf(b, "\nCilium %s against %s: %d differences (identities named by their labels)\n", a, c, len(r.Differences))
	for _, d := range r.Differences {
		fmt.Fprintf(b, "\n== %s\n%s", d.Section, d.Diff)
	}
}

// plural is "1 rule", "2 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
