package doctor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func checkEndpoints(e *env) Finding {
	pods, err := e.selected()
	if err != nil {
		return skip(err.Error())
	}
	var p problems
	var ok []string
	for _, pod := range pods {
		name := ref("pod", pod.Namespace, pod.Name)
		restart := fmt.Sprintf("restart the workload so its pods start under Cilium: kubectl -n %s rollout restart deployment (or delete the pods)", pod.Namespace)
		if pod.Spec.HostNetwork {
			p.add("run the workload without hostNetwork", "%s uses the host network: Cilium does not enforce pod policy on it", name)
			continue
		}
		cep := e.st.endpoint(pod.Namespace, pod.Name)
		if cep == nil {
			p.add(restart, "%s has no CiliumEndpoint: Cilium does not manage it, so its traffic never meets the policy%s", name, e.startedBeforeAgent(pod))
			continue
		}
		st := cep.Status
		// Only agents with endpoint status publishing report policy here:
		// the 1.20 agent never fills status.policy (pkg/endpoint
		// endpoint_status.go), so there a failed TLS context shows only in
		// the agent logs.
		if st.Policy != nil && st.Policy.Egress != nil && !st.Policy.Egress.Enforcing {
			p.add("read the agent log of the pod's node for policy errors (\"Error getting TLS Context\", or \"Error getting terminating TLS Context\" before 1.18; \"unable to regenerate\")",
				"CiliumEndpoint %s/%s does not enforce egress policy (state %q): the TLS rule is not applied", cep.Namespace, cep.Name, st.State)
			continue
		}
		if st.State != "" && st.State != "ready" {
			p.add("read the agent log of the pod's node for regeneration errors",
				"CiliumEndpoint %s/%s is in state %q, not ready", cep.Namespace, cep.Name, st.State)
			continue
		}
		ok = append(ok, fmt.Sprintf("CiliumEndpoint %s/%s: id %d, state %s", cep.Namespace, cep.Name, st.ID, st.State))
	}
	return p.finding("the selected pods are Cilium endpoints in state ready", ok...)
}

// startedBeforeAgent explains when pod started before the agent on its node.
func (e *env) startedBeforeAgent(pod corev1.Pod) string {
	podStart := pod.Status.StartTime
	if podStart == nil {
		return ""
	}
	for _, a := range e.st.agentPods(e.scope.CiliumNamespace) {
		if a.Spec.NodeName != pod.Spec.NodeName || a.Status.StartTime == nil {
			continue
		}
		if podStart.Before(a.Status.StartTime) {
			return fmt.Sprintf(" (it started at %s, before the Cilium agent %s on node %s at %s)",
				podStart.UTC().Format(time.RFC3339), a.Name, a.Spec.NodeName, a.Status.StartTime.UTC().Format(time.RFC3339))
		}
	}
	return ""
}

// proxyVars are environment variables that make clients tunnel through a
// proxy with CONNECT, so their traffic never meets the port 443 rule.
func proxyVars() []string { return []string{"HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"} }

func checkProxyEnv(e *env) Finding {
	pods := e.workloadPods()
	if len(pods) == 0 {
		return skip(fmt.Sprintf("no pods in namespace %q", e.scope.WorkloadNamespace))
	}
	var p problems
	var read []string
	for _, pod := range pods {
		read = append(read, fmt.Sprintf("pod %s/%s: %d container(s), no proxy variable", pod.Namespace, pod.Name, len(pod.Spec.Containers)))
		for _, c := range pod.Spec.Containers {
			for _, env := range c.Env {
				if isProxyVar(env.Name) && (env.Value != "" || env.ValueFrom != nil) {
					p.add(fmt.Sprintf("remove %s from the container, or list the intercepted domains in NO_PROXY", env.Name),
						"pod %s/%s container %s sets %s=%s: its HTTPS goes to the proxy with CONNECT and never meets the port 443 rule",
						pod.Namespace, pod.Name, c.Name, env.Name, env.Value)
				}
			}
		}
	}
	return p.finding(fmt.Sprintf("no container in %q sets HTTPS_PROXY, HTTP_PROXY or ALL_PROXY", e.scope.WorkloadNamespace), read...)
}

func isProxyVar(name string) bool {
	for _, v := range proxyVars() {
		if strings.EqualFold(name, v) {
			return true
		}
	}
	return false
}

func checkCATrust(e *env) Finding {
	pods := e.workloadPods()
	if len(pods) == 0 {
		return skip(fmt.Sprintf("no pods in namespace %q", e.scope.WorkloadNamespace))
	}
	var p problems
	var ok []string
	for _, pod := range pods {
		cms := mountedConfigMaps(pod)
		var found []string
		for _, name := range cms {
			cm := e.st.configMap(pod.Namespace, name)
			if cm == nil && e.st.missing(KindConfigMap) == "" {
				continue
			}
			if cm == nil || holdsCertificate(cm.Data) {
				found = append(found, name)
			}
		}
		if len(found) == 0 {
			p.add("mount the sandbox CA ConfigMap (intercept-ca, key ca.crt) into the workload and point its clients at it (curl --cacert, SSL_CERT_FILE)",
				"pod %s/%s mounts no ConfigMap holding a CA certificate (mounted: %s): its clients reject the certificates Envoy serves",
				pod.Namespace, pod.Name, orNone(cms))
			continue
		}
		if roots := e.trustedBundle(pod.Namespace, found); len(roots) > 0 {
			for _, msg := range e.untrustedLeaves(roots) {
				p.add(fmt.Sprintf("refresh ConfigMap %s/%s from the CA that issues the leaf certificates (the trust-manager Bundle's source)", pod.Namespace, found[0]),
					"pod %s/%s: %s", pod.Namespace, pod.Name, msg)
			}
		}
		ok = append(ok, fmt.Sprintf("pod %s/%s mounts ConfigMap %s", pod.Namespace, pod.Name, strings.Join(found, ", ")))
	}
	return p.finding("the workload mounts the CA that signed the served certificates", ok...)
}

// mountedConfigMaps returns the ConfigMaps a pod's containers mount,
// directly or through a projected volume.
func mountedConfigMaps(pod corev1.Pod) []string {
	mounted := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			mounted[m.Name] = true
		}
	}
	var out []string
	for _, v := range pod.Spec.Volumes {
		if !mounted[v.Name] {
			continue
		}
		if v.ConfigMap != nil {
			out = append(out, v.ConfigMap.Name)
		}
		if v.Projected != nil {
			for _, s := range v.Projected.Sources {
				if s.ConfigMap != nil && s.ConfigMap.Name != "kube-root-ca.crt" {
					out = append(out, s.ConfigMap.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func holdsCertificate(data map[string]string) bool {
	for _, v := range data {
		if strings.Contains(v, "-----BEGIN CERTIFICATE-----") {
			return true
		}
	}
	return false
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// logMarkers are agent log messages, matched without regard to case, that
// mean a policy's TLS context or the endpoint's regeneration failed, or that
// the agent may not read secrets (cilium/cilium#42789: read-any-namespace
// mode granted only get). Their spellings across releases: "policy: Error
// getting TLS Context" (pkg/policy/l4.go, 1.16 to 1.20); "endpoint
// regeneration failed" (logrus, up to 1.17) and "Endpoint regeneration
// failed" (slog, 1.18+) at error level; "Regeneration of endpoint failed"
// at warning level; "unable to regenerate policy for '<id>'" (1.16, 1.17)
// and "unable to regenerate initial policy" in the error or message.
// logMarkers returns, lowercased, what the agent of release v (every
// supported release when v is unknown) logs when a TLS context, a policy
// regeneration or a secret read fails.
func logMarkers(v *versions.Cilium) []string {
	var tls []string
	if v != nil {
		tls = ciliumtls.TLSContextErrorLogs(*v)
	} else {
		for _, r := range versions.DefaultReleases() {
			tls = append(tls, ciliumtls.TLSContextErrorLogs(r)...)
		}
	}
	out := []string{"unable to regenerate", "regeneration of endpoint failed",
		"endpoint regeneration failed", "failed to regenerate", "secrets is forbidden"}
	for _, m := range tls {
		out = append(out, strings.ToLower(strings.TrimSuffix(m, ".")))
	}
	return out
}

// maxLogEvidence bounds the log lines quoted as evidence.
const maxLogEvidence = 5

func checkAgentLogs(e *env) Finding {
	if len(e.st.AgentLogs) == 0 {
		return unread("no agent log was read")
	}
	var hits []string
	total := 0
	markers := logMarkers(e.version)
	for _, l := range e.st.AgentLogs {
		for _, line := range strings.Split(l.Text, "\n") {
			if !hasMarker(line, markers) {
				continue
			}
			total++
			if len(hits) < maxLogEvidence {
				hits = append(hits, l.Pod+": "+strings.TrimSpace(line))
			}
		}
	}
	if total == 0 {
		read := make([]string, 0, len(e.st.AgentLogs))
		for _, l := range e.st.AgentLogs {
			read = append(read, fmt.Sprintf("%s: %d lines read", l.Pod, strings.Count(strings.TrimRight(l.Text, "\n"), "\n")+1))
		}
		return pass(fmt.Sprintf("no TLS context or regeneration errors in %d agent log(s)", len(e.st.AgentLogs)), read...)
	}
	if f, ok := e.proxyAckInLogs(total, hits); ok {
		return f
	}
	return fail(fmt.Sprintf("%d agent log line(s) say a TLS context, a policy regeneration or a secret read failed: the endpoint keeps its old policy", total),
		"fix what the lines name (usually a secret the agent cannot read, or its keys), then have the agent recompute the policy: apply the policy again or restart the agent on that node",
		hits...)
}

func hasMarker(line string, markers []string) bool {
	line = strings.ToLower(line)
	for _, m := range markers {
		if strings.Contains(line, m) {
			return true
		}
	}
	return false
}
