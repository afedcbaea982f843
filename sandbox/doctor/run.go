package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Options configure a doctor run.
type Options struct {
	// Scope says where the agents and the workload live.
	Scope Scope
	// Now is the time certificates' expiry is judged against; nil means
	// time.Now.
	Now func() time.Time
	// RecordDir, when set, receives the gathered state in the layout
	// DumpSource reads (see WriteState), to keep or to make a fixture of.
	RecordDir string
}

// Run gathers a State from src, evaluates it and records it when
// opts.RecordDir is set. The error is only for a doctor that could not run
// (an unreachable cluster, an unreadable dump, an unwritable record); what
// the checks find is in the Report.
func Run(ctx context.Context, src Source, opts Options) (*Report, error) {
	scope := opts.Scope.withDefaults()
	st, err := src.Gather(ctx, scope)
	if err != nil {
		return nil, fmt.Errorf("gather cluster state: %w", err)
	}
	rep := Evaluate(st, opts)
	if opts.RecordDir != "" {
		if err := WriteState(ctx, opts.RecordDir, st); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Evaluate runs every check over st in dependency order. A check whose
// prerequisite failed is skipped and says which one.
func Evaluate(st *State, opts Options) *Report {
	e := newEnv(st, opts)
	rep := &Report{Source: st.Source}
	if e.version != nil {
		rep.CiliumVersion = e.version.String()
	}
	// blockedBy maps a check to the failed check that stopped it, directly
	// or through the checks it needs.
	blockedBy := map[string]string{}
	for _, c := range checks() {
		f := runCheck(e, c, blockedBy)
		rep.Findings = append(rep.Findings, f)
		if f.Status == StatusFail && rep.RootCause == "" {
			rep.RootCause = f.ID
		}
		if f.Status == StatusUnread {
			rep.Unread = append(rep.Unread, f.ID)
		}
	}
	return rep
}

// runCheck runs c unless a check it needs failed, or says unread when the
// state lacks a kind it reads.
func runCheck(e *env, c check, blockedBy map[string]string) (f Finding) {
	for _, n := range c.needs {
		if b, ok := blockedBy[n]; ok {
			blockedBy[c.id] = b
			f = Finding{Status: StatusSkip, Reason: fmt.Sprintf("not checked: %s failed", b)}
			break
		}
	}
	if f.Status == "" {
		if reason := e.st.missing(c.reads...); reason != "" {
			f = unread(reason)
		} else {
			f = c.run(e)
		}
	}
	if f.Status == StatusFail {
		blockedBy[c.id] = c.id
	}
	f.ID, f.Title = c.id, c.title
	return f
}

// check is one named check with the checks it depends on and the kinds it
// cannot run without.
type check struct {
	id, title string
	needs     []string
	reads     []Kind
	run       func(*env) Finding
}

// checks lists every check in dependency order.
func checks() []check {
	return append([]check{
		{id: "cilium-agents", title: "Cilium agents ready", reads: []Kind{KindDaemonSet}, run: checkAgents},
		{id: "l7-proxy", title: "L7 proxy enabled", needs: []string{"cilium-agents"}, reads: []Kind{KindConfigMap}, run: checkL7Proxy},
		{id: "envoy", title: "Envoy ready", needs: []string{"cilium-agents", "l7-proxy"}, reads: []Kind{KindConfigMap}, run: checkEnvoy},
		{id: "secrets-mode", title: "policy secrets readable by the agent", needs: []string{"cilium-agents"}, reads: []Kind{KindConfigMap}, run: checkSecretsMode},
		{id: "tls-policies", title: "policies with TLS contexts", run: checkTLSPolicies},
		{id: "policies-accepted", title: "policies accepted and their names supported", needs: []string{"tls-policies"}, run: checkPoliciesAccepted},
		{id: "secret-location", title: "secrets where this mode reads them", needs: []string{"secrets-mode", "tls-policies"}, run: checkSecretLocation},
		{id: "secret-keys", title: "secrets hold the keys their context needs", needs: []string{"tls-policies"}, reads: []Kind{KindSecret}, run: checkSecretKeys},
		{id: "secret-synced", title: "the operator's copy of each policy secret exists", needs: []string{"secrets-mode", "secret-location", "secret-keys"}, run: checkSecretSynced},
		{id: "header-secrets", title: "headers set from secrets: Secret in place, one key, a value", needs: []string{"secrets-mode"}, reads: []Kind{KindSecret}, run: checkHeaderSecrets},
		{id: "certificates", title: "certificates Ready and unexpired", needs: []string{"tls-policies"}, reads: []Kind{KindCertificate}, run: checkCertificates},
		{id: "certificate-sans", title: "certificate SANs cover the intercepted names", needs: []string{"tls-policies"}, reads: []Kind{KindCertificate}, run: checkCertificateSANs},
		{id: "dns-rule", title: "DNS rule next to toFQDNs", needs: []string{"tls-policies"}, run: checkDNSRule},
		{id: "http-rule", title: "HTTP rule for visibility", needs: []string{"tls-policies"}, run: checkHTTPRule},
		{id: "http-on-tls", title: "no HTTP rule on TLS traffic Envoy does not terminate", run: checkHTTPOnTLS},
		{id: "policy-selects-workload", title: "policy selects the workload", needs: []string{"tls-policies"}, reads: []Kind{KindPod}, run: checkSelector},
		{id: "endpoints-managed", title: "workload pods managed by Cilium", needs: []string{"cilium-agents", "policy-selects-workload"}, reads: []Kind{KindPod, KindCiliumEndpoint}, run: checkEndpoints},
		{id: "proxy-env", title: "no HTTP(S) proxy in the workload", reads: []Kind{KindPod}, run: checkProxyEnv},
		{id: "ca-trust", title: "workload trusts the sandbox CA", reads: []Kind{KindPod}, run: checkCATrust},
		{id: "agent-logs", title: "agent logs free of TLS context errors", reads: []Kind{KindAgentLog}, run: checkAgentLogs},
	}, append(datapathChecks(), knownBugChecks()...)...)
}

// CheckIDs lists the IDs of the checks in the order they run.
func CheckIDs() []string {
	cs := checks()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.id
	}
	return out
}

// env is what the checks share: the state and facts derived once from it.
type env struct {
	st      *State
	scope   Scope
	now     time.Time
	agents  *appsv1.DaemonSet
	config  map[string]string
	image   string
	version *versions.Cilium
	verErr  error
}

const (
	agentDaemonSet = ciliumtls.AgentDaemonSet
	envoyDaemonSet = ciliumtls.EnvoyDaemonSet
	ciliumConfig   = ciliumtls.ConfigMapName
)

func newEnv(st *State, opts Options) *env {
	e := &env{st: st, scope: opts.Scope.withDefaults(), now: time.Now()}
	if opts.Now != nil {
		e.now = opts.Now()
	}
	e.agents = st.daemonSet(e.scope.CiliumNamespace, agentDaemonSet)
	if cm := st.configMap(e.scope.CiliumNamespace, ciliumConfig); cm != nil {
		e.config = cm.Data
	}
	if e.agents != nil {
		e.image = ciliumtls.AgentImage(e.agents.Spec.Template.Spec)
		v, err := versions.CiliumFromImage(e.image)
		if err == nil {
			e.version = &v
		}
		e.verErr = err
	}
	return e
}

// configValue returns the cilium-config value of key and whether it is set.
func (e *env) configValue(key string) (string, bool) {
	v, ok := e.config[key]
	return strings.TrimSpace(v), ok
}

func (e *env) configRef() string {
	return ref(string(KindConfigMap), e.scope.CiliumNamespace, ciliumConfig)
}

func pass(reason string, evidence ...string) Finding {
	return Finding{Status: StatusPass, Reason: reason, Evidence: evidence}
}

func fail(reason, fix string, evidence ...string) Finding {
	return Finding{Status: StatusFail, Reason: reason, Fix: fix, Evidence: evidence}
}

func warn(reason, fix string, evidence ...string) Finding {
	return Finding{Status: StatusWarn, Reason: reason, Fix: fix, Evidence: evidence}
}

func skip(reason string) Finding { return Finding{Status: StatusSkip, Reason: reason} }

// unread is the finding of a check whose source could not be read, or was
// read but holds nothing to judge by (a policy status no Cilium has
// written): it never passes, and the report names it among the unread
// checks instead of calling the cluster healthy.
func unread(reason string, evidence ...string) Finding {
	return Finding{Status: StatusUnread, Reason: reason, Evidence: evidence}
}

// helmUpgrade is the command changing one value of the Cilium release,
// pinned to the running version so the fix does not upgrade Cilium too,
// then restarting the agents and operator, which read cilium-config at
// start.
func (e *env) helmUpgrade(set string) string {
	var v versions.Cilium
	if e.version != nil {
		v = *e.version
	}
	ns := e.scope.CiliumNamespace
	return ciliumtls.UpgradeCommand("", ns, v, set) + ", then " + ciliumtls.RestartCommand(ns)
}
