package doctor

import (
	"fmt"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// knownBugChecks are the checks that read the table of known bugs
// (sandbox/versions knownbugs.yaml) against the running release.
func knownBugChecks() []check {
	return []check{
		{id: "known-bugs", title: "no known bug of the running Cilium met", needs: []string{"cilium-agents"}, run: checkKnownBugs},
	}
}

// metBug is a known bug the cluster meets: what meets it and the fix.
type metBug struct {
	reason, fix string
}

// checkKnownBugs warns about every known bug of the running release that
// the cluster meets: in the policies' rules (ciliumtls.PolicyKnownBugs), in
// the operator's copies (K9), in cilium-config (K14, K16), and the bugs of
// what every interception install runs (the rows plan and up warn about).
func checkKnownBugs(e *env) Finding {
	if e.version == nil {
		return skip(fmt.Sprintf("the Cilium release is unknown (image %q)", e.image))
	}
	v := *e.version
	var met []metBug
	for _, r := range inScope(e, e.st.rules(), func(r policyRule) string { return r.Namespace }) {
		for _, b := range ciliumtls.PolicyKnownBugs(v, api.Rules{r.Rule}) {
			met = append(met, metBug{r.Name + ": " + b.Message(v), b.Bug.Fix})
		}
	}
	met = append(met, e.copyTypeBugs(v)...)
	met = append(met, e.configBugs(v)...)
	reported := strings.Join(reasons(met), "\n")
	for _, r := range versions.InstallWarnings(v) {
		if !strings.Contains(reported, "known bug "+r.Label()) && r.ID != versions.ADSLivelock {
			met = append(met, metBug{r.InstallWarningText(v), r.Fix})
		}
	}
	if len(met) == 0 {
		return pass(fmt.Sprintf("Cilium %s: none of its known bugs is met here", v), knownOn(v))
	}
	ev := append(reasons(met), knownOn(v))
	return warn(met[0].reason, met[0].fix, ev...)
}

func reasons(ms []metBug) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.reason
	}
	return out
}

// knownOn names the rows release v shows, met or not, for the evidence.
func knownOn(v versions.Cilium) string {
	var ids []string
	for _, r := range versions.KnownBugsOf(v) {
		ids = append(ids, r.ID)
	}
	if len(ids) == 0 {
		return fmt.Sprintf("known bugs and changes on Cilium %s: none (sandbox versions %s)", v, v)
	}
	return fmt.Sprintf("known bugs and changes on Cilium %s: %s (sandbox versions %s)", v, strings.Join(ids, ", "), v)
}

// copyTypeBugs finds, under secret sync on a release showing row K9, the
// operator's copies whose type differs from their source's: the operator
// patches the immutable type on every reconcile, fails, and the copy keeps
// its old data.
func (e *env) copyTypeBugs(v versions.Cilium) []metBug {
	row := versions.KnownBugByID(versions.SecretTypeChange)
	m, err := e.secretsMode()
	if err != nil || !m.Sync || !row.Affects(v) || e.st.missing(KindSecret, KindSyncedSecret) != "" {
		return nil
	}
	var out []metBug
	seen := map[string]bool{}
	for _, r := range secretRefs(e.ports()) {
		src, c := e.st.secret(r.Namespace, r.Name), e.st.syncedCopy(m.Namespace, r.Namespace, r.Name)
		if src == nil || c == nil || src.Type == c.Type || seen[r.String()] {
			continue
		}
		seen[r.String()] = true
		out = append(out, metBug{
			reason: fmt.Sprintf("copy %s/%s of secret %s has type %s, its source %s: on Cilium %s the operator cannot change a copy's type, so the copy keeps its old data and renewals never reach Envoy: known bug %s: %s (%s)",
				c.Namespace, c.Name, r, c.Type, src.Type, v, row.Label(), row.Title, row.FixedText(v)),
			fix: fmt.Sprintf("delete the copy, which the operator then makes again with the source's type: kubectl -n %s delete secret %s; or upgrade Cilium (%s)", c.Namespace, c.Name, row.FixedText(v)),
		})
	}
	return out
}

// configBugs finds the known bugs cilium-config meets: ADS mode on a
// release showing row K14, and the agent reading secrets from any
// namespace on a release whose chart grants it only get (row K16).
func (e *env) configBugs(v versions.Cilium) []metBug {
	var out []metBug
	if row := versions.KnownBugByID(versions.ADSLivelock); row.Affects(v) {
		if mode, _ := e.configValue(ciliumtls.ConfigEnvoyXDSMode); mode == "ads" || mode == "strict-ads" {
			out = append(out, metBug{
				fmt.Sprintf("%s %s=%q on Cilium %s meets known bug %s: %s (%s)", e.configRef(), ciliumtls.ConfigEnvoyXDSMode, mode, v, row.Label(), row.Title, row.FixedText(v)),
				ciliumtls.UpgradeCommand("", e.scope.CiliumNamespace, v, row.Install.Set...) + "; then " + ciliumtls.RestartCommand(e.scope.CiliumNamespace) + " (" + row.Fix + ")"})
		}
	}
	row := versions.KnownBugByID(versions.AgentSecretsGetOnly)
	if readOnly, ok := e.configValue(ciliumtls.ConfigReadOnly); row.Affects(v) && len(e.ports()) > 0 && (!ok || readOnly != "true") {
		out = append(out, metBug{
			fmt.Sprintf("%s %s=%q on Cilium %s meets known bug %s: %s (%s)", e.configRef(), ciliumtls.ConfigReadOnly, readOnly, v, row.Label(), row.Title, row.FixedText(v)),
			row.Fix})
	}
	return out
}
