package agent

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// Difference is one part of the output where two releases differ, as a
// unified diff of its rendering (identities named by their labels, not
// their numbers).
type Difference struct {
	// Section names the part: "sanitize", "operator copies",
	// "policy map Deployment ns/name", ...
	Section string `json:"section"`
	Diff    string `json:"diff"`
}

// compare lists what differs between two releases' results.
func compare(a, b *Release) []Difference {
	sa, sb := sections(a), sections(b)
	var keys []string
	seen := map[string]bool{}
	for _, s := range append(sa, sb...) {
		if !seen[s.name] {
			seen[s.name] = true
			keys = append(keys, s.name)
		}
	}
	var out []Difference
	for _, k := range keys {
		ta, tb := textOf(sa, k), textOf(sb, k)
		if ta == tb {
			continue
		}
		diff, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(ta), B: difflib.SplitLines(tb),
			FromFile: "Cilium " + a.Cilium, ToFile: "Cilium " + b.Cilium, Context: 2,
		})
		out = append(out, Difference{Section: k, Diff: diff})
	}
	return out
}

type section struct {
	name string
	text string
}

func textOf(ss []section, name string) string {
	for _, s := range ss {
		if s.name == name {
			return s.text
		}
	}
	return ""
}

// sections renders the comparable parts of r.
func sections(r *Release) []section {
	names := identityNames(r.LintResult)
	out := []section{
		{"sanitize verdicts", verdictText(r.Policies)},
		{"operator copies", copiesText(r.Operator)},
		{"operator reconciles", reconcilesText(r.Operator)},
		{"identities of DNS answers", ipcacheText(r.IPCache, names)},
	}
	for _, w := range r.Workloads {
		n := w.Workload.Name
		out = append(out,
			section{"policy " + n, policyText(w)},
			section{"policy map " + n, policyMapText(w.PolicyMap, names)},
			section{"NPDS " + n, npdsText(w.NPDS, names)},
			section{"Envoy listener " + n, listenersText(w.Listeners)},
			section{"SDS secrets " + n, sdsText(w.SDS)},
		)
	}
	return out
}

func verdictText(ps []wire.PolicyVerdict) string {
	var b strings.Builder
	for _, p := range ps {
		id := p.Kind + " " + strings.TrimPrefix(p.Namespace+"/"+p.Name, "/")
		if p.Error != "" {
			fmt.Fprintf(&b, "%s: rejected: %s\n", id, p.Error)
		} else {
			fmt.Fprintf(&b, "%s: accepted (%s)\n", id, plural(p.Rules, "rule"))
		}
	}
	return b.String()
}

func copiesText(op wire.Operator) string {
	if !op.Enabled {
		return "no secret sync: " + op.Reason + "\n"
	}
	var b strings.Builder
	for _, c := range op.Copies {
		fmt.Fprintf(&b, "%s/%s %s keys=%s labels=%s\n", c.Namespace, c.Name, c.Type, strings.Join(c.Keys, ","), labelsText(c.Labels))
	}
	return b.String()
}

func reconcilesText(op wire.Operator) string {
	var b strings.Builder
	for _, r := range op.Reconciles {
		fmt.Fprintf(&b, "reconcile %s: %s\n", r.Secret, reconcileOutcome(r))
	}
	for _, c := range op.Calls {
		fmt.Fprintf(&b, "%s %s %s/%s%s\n", c.Verb, c.Kind, c.Namespace, c.Name, errSuffix(c.Error))
	}
	return b.String()
}

// reconcileOutcome says how a reconcile ended; the jittered requeue delay
// is shown as a range, as it differs from run to run.
func reconcileOutcome(r wire.Reconcile) string {
	switch {
	case r.Error != "":
		return "error: " + r.Error
	case r.RequeueAfter != "":
		return "ok, requeued after 48m-60m (jittered)"
	case r.Requeue:
		return "ok, requeued"
	}
	return "ok, no requeue"
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

func labelsText(m map[string]string) string {
	var kv []string
	for k, v := range m {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, ",")
}

func ipcacheText(es []wire.IPCacheEntry, names map[uint32]string) string {
	var b strings.Builder
	for _, e := range es {
		if len(e.Names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s (%s) -> %s\n", e.Prefix, strings.Join(e.Names, ","), nameOf(names, e.Identity))
	}
	return b.String()
}

func policyText(w wire.WorkloadView) string {
	if w.PolicyError != "" {
		return "the agent cannot compute the policy: " + w.PolicyError + "\n"
	}
	var b strings.Builder
	for _, r := range w.Redirects {
		fmt.Fprintf(&b, "redirect %s -> %s proxy %s\n", r.ProxyID, r.Parser, r.Listener)
	}
	return b.String()
}

func policyMapText(es []wire.PolicyMapEntry, names map[uint32]string) string {
	var lines []string
	for _, e := range es {
		verdict := "allow"
		if e.IsDeny {
			verdict = "deny"
		}
		if e.ProxyPort != 0 {
			verdict += fmt.Sprintf(" proxy-port %d", e.ProxyPort)
		}
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", e.TrafficDirection, portText(e), nameOf(names, e.Identity), verdict))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// portText renders an entry's port and protocol, "443/TCP", "any".
func portText(e wire.PolicyMapEntry) string {
	proto := map[uint8]string{0: "any", 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP"}[e.Nexthdr]
	if proto == "" {
		proto = fmt.Sprintf("proto-%d", e.Nexthdr)
	}
	switch {
	case e.DestPortPrefixLen == 0:
		return "any-port/" + proto
	case e.DestPortPrefixLen < 16:
		end := e.DestPort | uint16(0xffff>>e.DestPortPrefixLen)
		return fmt.Sprintf("%d-%d/%s", e.DestPort, end, proto)
	}
	return fmt.Sprintf("%d/%s", e.DestPort, proto)
}

// npdsText pretty-prints an NPDS resource with remote identities named and
// sorted.
func npdsText(raw json.RawMessage, names map[uint32]string) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	v = nameRemotes(v, names)
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out) + "\n"
}

// nameRemotes replaces the numbers of every "remotePolicies" list by names,
// and orders every "rules" list by those names: the agent orders rules by
// identity number, which differs between releases for the same labels.
func nameRemotes(v any, names map[uint32]string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "remotePolicies" {
				if ids, ok := x.([]any); ok {
					var ns []string
					for _, id := range ids {
						if f, ok := id.(float64); ok {
							ns = append(ns, nameOf(names, uint32(f)))
						}
					}
					sort.Strings(ns)
					t[k] = ns
					continue
				}
			}
			t[k] = nameRemotes(x, names)
		}
		if rules, ok := t["rules"].([]any); ok {
			sortByRemotes(rules)
		}
	case []any:
		for i := range t {
			t[i] = nameRemotes(t[i], names)
		}
	}
	return v
}

func listenersText(ls []wire.EnvoyListener) string {
	var b strings.Builder
	for _, l := range ls {
		var v any
		_ = json.Unmarshal(l.Listener, &v)
		out, _ := json.MarshalIndent(v, "", "  ")
		b.Write(out)
		b.WriteString("\n")
	}
	return b.String()
}

func sdsText(ss []wire.SDSSecret) string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "%s %s\n", s.Name, s.Type)
	}
	return b.String()
}

// sortByRemotes orders rules by their (named) remotePolicies, keeping the
// order of rules with the same ones.
func sortByRemotes(rules []any) {
	key := func(r any) string {
		m, _ := r.(map[string]any)
		ns, _ := m["remotePolicies"].([]string)
		return strings.Join(ns, " ")
	}
	sort.SliceStable(rules, func(i, j int) bool { return key(rules[i]) < key(rules[j]) })
}
