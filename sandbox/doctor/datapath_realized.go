package doctor

import (
	"fmt"
	"strings"

	"github.com/cilium/cilium/api/v1/models"
)

// An endpoint's policy is realized when the agent has written it to the
// datapath and Envoy has acknowledged the network policy it was sent
// (pkg/endpoint: regenerateBPF writes the BPF policy map, then waits for
// the proxy's ACK; only then does the realized revision move on). The
// endpoint model shows it: status.policy.realized.policy-revision (what is
// in effect), .spec.policy-revision (what the agent computed), and
// .proxy-policy-revision (the last revision Envoy acknowledged). A
// regeneration that times out waiting for the ACK logs "error waiting for
// proxy network policy update: proxy state changes failed: context
// deadline exceeded" in the endpoint's status log and leaves the realized
// revision behind, with the new BPF entries already written.

// revisions are an endpoint's policy revisions and state.
type revisions struct {
	state                      string
	realized, desired, proxied int64
	repository                 int64
}

func revisionsOf(ep *models.Endpoint, repoRev int64) revisions {
	r := revisions{repository: repoRev}
	if s := ep.Status.State; s != nil {
		r.state = string(*s)
	}
	if p := ep.Status.Policy; p != nil {
		r.proxied = p.ProxyPolicyRevision
		if p.Realized != nil {
			r.realized = p.Realized.PolicyRevision
		}
		if p.Spec != nil {
			r.desired = p.Spec.PolicyRevision
		}
	}
	return r
}

// String says the revisions in one line of evidence.
func (r revisions) String() string {
	return fmt.Sprintf("state %s; policy revision realized %d, computed %d, acknowledged by Envoy %d; the agent's repository at %d",
		orNone([]string{r.state}), r.realized, r.desired, r.proxied, r.repository)
}

// lags reports whether the realized revision is behind the repository's.
func (r revisions) lags() bool { return r.realized < r.repository }

// regenerating reports a regeneration under way or queued.
func (r revisions) regenerating() bool {
	return r.state == string(models.EndpointStateRegenerating) || r.state == string(models.EndpointStateWaitingDashToDashRegenerate)
}

// proxyWaitMarkers are what a regeneration that timed out waiting for
// Envoy's ACK writes (pkg/endpoint bpf.go, endpoint.go).
var proxyWaitMarkers = []string{"error waiting for proxy network policy update", "proxy state changes failed"}

// proxyAckFailure returns the newest failure of the endpoint's status log
// when it is a wait for Envoy's ACK that failed, else nil.
func proxyAckFailure(ep *models.Endpoint) *models.EndpointStatusChange {
	for _, c := range ep.Status.Log {
		if c == nil || !strings.EqualFold(c.Code, "Failure") {
			continue
		}
		if hasMarker(c.Message, proxyWaitMarkers) {
			return c
		}
		return nil
	}
	return nil
}

// realizationEvidence describes, for every selected pod whose endpoint
// and repository the agent answered, its policy revisions and Envoy's
// acknowledgement; nothing when the data path was not read.
func (e *env) realizationEvidence() []string {
	targets, err := e.datapathTargets()
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range targets {
		in, why := e.readRedirectInputs(t)
		if why != "" {
			continue
		}
		out = append(out, fmt.Sprintf("endpoint %d (%s): %s", t.EndpointID, t, revisionsOf(in.ep, in.repoRev)))
		if c := proxyAckFailure(in.ep); c != nil {
			out = append(out, fmt.Sprintf("endpoint status log %s: %s", c.Timestamp, c.Message))
		}
	}
	return out
}

// notRealized judges an endpoint whose redirect is in place: its policy
// may still not be realized, when the regeneration that wrote the redirect
// timed out waiting for Envoy's ACK (fail) or is under way (warn).
func (e *env) notRealized(t datapathTarget, in redirectInputs, ok []string) (Finding, bool) {
	r := revisionsOf(in.ep, in.repoRev)
	if !r.lags() {
		return Finding{}, false
	}
	ev := append([]string{fmt.Sprintf("endpoint %d: %s", t.EndpointID, r)}, ok...)
	id := fmt.Sprint(t.EndpointID)
	if c := proxyAckFailure(in.ep); c != nil {
		ev = append(ev, fmt.Sprintf("endpoint status log %s: %s", c.Timestamp, c.Message))
		return fail(fmt.Sprintf("endpoint %d (%s) has its redirect to Envoy but not its policy: its last regeneration timed out waiting for Envoy to acknowledge the network policy (realized revision %d, acknowledged by Envoy %d, repository %d), so Envoy on node %s enforces an older policy than the datapath redirects to it",
			t.EndpointID, t, r.realized, r.proxied, r.repository, t.Pod.Spec.NodeName),
			fmt.Sprintf("Envoy on node %s is not acknowledging the agent's updates: check it is ready (the envoy check) and read its log for rejected updates (%s; \"NACK\" in the agent's log), then %s", t.Pod.Spec.NodeName, e.envoyLogCommand(t), e.agentExec(t, "endpoint regenerate "+id)),
			ev...), true
	}
	if r.regenerating() {
		return warn(fmt.Sprintf("endpoint %d (%s) is regenerating: its realized policy revision %d is behind the agent's repository (%d); run the doctor again once it is ready", t.EndpointID, t, r.realized, r.repository),
			"wait for the regeneration, or read why it takes long: "+e.agentExec(t, "endpoint get "+id), ev...), true
	}
	return warn(fmt.Sprintf("endpoint %d (%s) redirects to Envoy, but its realized policy revision %d is behind the agent's repository (%d) with no regeneration under way", t.EndpointID, t, r.realized, r.repository),
		"have the agent regenerate it: "+e.agentExec(t, "endpoint regenerate "+id), ev...), true
}

// envoyLogCommand reads the log of Envoy on t's node.
func (e *env) envoyLogCommand(t datapathTarget) string {
	for _, p := range e.st.envoyPods(e.scope.CiliumNamespace) {
		if p.Spec.NodeName == t.Pod.Spec.NodeName {
			return fmt.Sprintf("kubectl -n %s logs %s", e.scope.CiliumNamespace, p.Name)
		}
	}
	return fmt.Sprintf("kubectl -n %s logs %s -c %s", e.scope.CiliumNamespace, t.Agent, agentContainer)
}

// proxyAckInLogs is agent-logs' finding when the lines it quotes say a
// regeneration timed out waiting for Envoy's ACK: it names that, and the
// revisions of the endpoints the data path read.
func (e *env) proxyAckInLogs(total int, hits []string) (Finding, bool) {
	for _, h := range hits {
		if hasMarker(h, proxyWaitMarkers) {
			return fail(fmt.Sprintf("%d agent log line(s) say a policy regeneration failed, one of them timing out waiting for Envoy to acknowledge the network policy (proxy ACK), so the endpoint's policy is not realized and Envoy enforces an older one", total),
				"Envoy on the node is not acknowledging the agent's updates: check it is ready (the envoy check) and read its log for rejected updates, then have the agent regenerate the endpoint (cilium-dbg endpoint regenerate <id> in the agent on its node)",
				append(hits, e.realizationEvidence()...)...), true
		}
	}
	return Finding{}, false
}
