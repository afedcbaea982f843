package doctor

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The kinds the data-path checks read: what the Cilium agent on the
// workload's node printed for cilium-dbg commands, and Hubble Relay's flows.
const (
	KindAgentOutput Kind = "cilium-dbg output"
	KindHubbleFlow  Kind = "Hubble flow"
)

// agentContainer is the container of a Cilium agent pod cilium-dbg runs in;
// envoyContainer Envoy's, in a cilium-envoy pod.
const (
	agentContainer = "cilium-agent"
	envoyContainer = "cilium-envoy"
)

// AgentOutput is what one cilium-dbg command printed in a Cilium agent pod.
type AgentOutput struct {
	// Agent is the agent pod's name.
	Agent string
	// File names the output in a dump: datapath/<Agent>/<File>.
	File     string
	Stdout   string
	Stderr   string
	ExitCode int
	// Err, when set, says why the command could not be run at all.
	Err string
}

// agentCommand is a cilium-dbg command the data-path checks read, with the
// file its output is kept in. Each command prints the same way from 1.16 to
// 1.20 (cilium-dbg/cmd of both releases); what differs is which commands a
// release needs (envoy admin config secrets only under SDS).
type agentCommand struct {
	args []string
	file string
}

// String is the command line, for messages.
func (c agentCommand) String() string { return "cilium-dbg " + strings.Join(c.args, " ") }

// argv is the command run in the agent container.
func (c agentCommand) argv() []string { return append([]string{"cilium-dbg"}, c.args...) }

func cmdEndpointGet(id int64) agentCommand {
	s := strconv.FormatInt(id, 10)
	return agentCommand{[]string{"endpoint", "get", s, "-o", "json"}, "endpoint-get-" + s + ".out"}
}

func cmdBPFPolicyGet(id int64) agentCommand {
	s := strconv.FormatInt(id, 10)
	return agentCommand{[]string{"bpf", "policy", "get", "-n", s}, "bpf-policy-get-" + s + ".out"}
}

func cmdPolicyGet() agentCommand {
	return agentCommand{[]string{"policy", "get", "-o", "json"}, "policy-get.out"}
}

func cmdPolicySelectors() agentCommand {
	return agentCommand{[]string{"policy", "selectors", "-o", "json"}, "policy-selectors.out"}
}

func cmdFQDNCache() agentCommand {
	return agentCommand{[]string{"fqdn", "cache", "list", "-o", "json"}, "fqdn-cache-list.out"}
}

func cmdEnvoyCerts() agentCommand {
	return agentCommand{[]string{"envoy", "admin", "certs"}, "envoy-admin-certs.out"}
}

func cmdEnvoySecrets() agentCommand {
	return agentCommand{[]string{"envoy", "admin", "config", "secrets"}, "envoy-admin-config-secrets.out"}
}

// datapathTarget is a workload pod the TLS policies select, with the
// endpoint and the agent that realize its policy.
type datapathTarget struct {
	Pod        corev1.Pod
	EndpointID int64
	// Agent is the Cilium agent pod on the pod's node; "" when none.
	Agent string
}

func (t datapathTarget) String() string { return ref("pod", t.Pod.Namespace, t.Pod.Name) }

// datapathTargets returns the selected workload pods that are Cilium
// endpoints, each with the agent on its node.
func (e *env) datapathTargets() ([]datapathTarget, error) {
	pods, err := e.selected()
	if err != nil {
		return nil, err
	}
	var out []datapathTarget
	for _, p := range pods {
		cep := e.st.endpoint(p.Namespace, p.Name)
		if cep == nil || cep.Status.ID == 0 {
			continue
		}
		t := datapathTarget{Pod: p, EndpointID: cep.Status.ID}
		for _, a := range e.st.agentPods(e.scope.CiliumNamespace) {
			if a.Spec.NodeName == p.Spec.NodeName {
				t.Agent = a.Name
				break
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// usesSDS reports whether the running agent gives Envoy the policy secrets
// over SDS (1.17+ with read-only mode and secret sync) rather than inline
// in the network policy.
func (e *env) usesSDS() bool {
	m, err := e.secretsMode()
	return err == nil && m.Sync
}

// agentCommands lists the commands run in t's agent, in the order the
// checks read them.
func (e *env) agentCommands(t datapathTarget) []agentCommand {
	cmds := []agentCommand{
		cmdEndpointGet(t.EndpointID), cmdBPFPolicyGet(t.EndpointID), cmdPolicyGet(), cmdPolicySelectors(),
		cmdFQDNCache(), cmdEnvoyCerts(), cmdEnvoyMetrics(metricsFilterTLS), cmdEnvoyMetrics(metricsFilterConnectFail),
	}
	if e.usesSDS() {
		cmds = append(cmds, cmdEnvoySecrets())
	}
	return cmds
}

// agentOutput returns the output of cmd in agent.
func (s *State) agentOutput(agent, file string) *AgentOutput {
	for i := range s.AgentOutputs {
		if o := &s.AgentOutputs[i]; o.Agent == agent && o.File == file {
			return o
		}
	}
	return nil
}

// output returns what cmd printed on stdout in t's agent, or why it cannot
// be read: no agent on the node, no output gathered, the command could not
// run or exited with an error (a command this release lacks exits 1). The
// reason names the command and the first line of what it printed.
func (e *env) output(t datapathTarget, cmd agentCommand) (string, string) {
	if t.Agent == "" {
		return "", fmt.Sprintf("no Cilium agent pod runs on node %q, where %s runs: nothing realizes its policy", t.Pod.Spec.NodeName, t)
	}
	where := fmt.Sprintf("in %s/%s", e.scope.CiliumNamespace, t.Agent)
	o := e.st.agentOutput(t.Agent, cmd.file)
	switch {
	case o == nil:
		return "", fmt.Sprintf("no output of `%s` %s was gathered", cmd, where)
	case o.Err != "":
		return "", fmt.Sprintf("`%s` could not run %s: %s", cmd, where, firstLine(o.Err))
	case o.ExitCode != 0:
		return "", fmt.Sprintf("`%s` %s exited with code %d: %s", cmd, where, o.ExitCode, firstLine(o.Stderr+"\n"+o.Stdout))
	}
	return o.Stdout, ""
}

// unreadable is the reason for output cmd printed that does not parse.
func (e *env) unreadable(t datapathTarget, cmd agentCommand, out string, err error) string {
	return fmt.Sprintf("`%s` in %s/%s printed output the doctor cannot read (%v): %s", cmd, e.scope.CiliumNamespace, t.Agent, err, firstLine(out))
}

// firstLine returns the first non-empty line of s, shortened.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 200 {
				l = l[:200] + "..."
			}
			return fmt.Sprintf("%q", l)
		}
	}
	return "(no output)"
}
