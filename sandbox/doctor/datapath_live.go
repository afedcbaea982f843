package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"
	authv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

// FlowReader reads flows from Hubble Relay in a namespace
// (hubble.RelayReader on a cluster, recorded flows in tests).
type FlowReader interface {
	Flows(ctx context.Context, namespace string, req *observer.GetFlowsRequest) ([]*flowpb.Flow, error)
}

// execTimeout bounds one cilium-dbg command in an agent pod.
const execTimeout = 30 * time.Second

// gatherDatapath runs, in the Cilium agent on the node of every workload
// pod the TLS policies select, the cilium-dbg commands the data-path checks
// read, and reads Hubble Relay's last flows from those pods to their TLS
// ports. What may not be read is recorded as missing with the permission
// it needs; a command that fails is kept with its output for the checks.
func (l *LiveSource) gatherDatapath(ctx context.Context, st *State, scope Scope) error {
	e := newEnv(st, Options{Scope: scope})
	targets, err := e.datapathTargets()
	if err != nil {
		st.markMissing(KindAgentOutput, err.Error())
		st.markMissing(KindHubbleFlow, err.Error())
		return nil
	}
	if len(targets) == 0 {
		return nil // the checks say no selected pod is a Cilium endpoint
	}
	if err := l.gatherAgentOutputs(ctx, st, e, targets); err != nil {
		return err
	}
	return l.gatherFlows(ctx, st, e, targets)
}

func (l *LiveSource) gatherAgentOutputs(ctx context.Context, st *State, e *env, targets []datapathTarget) error {
	ns := e.scope.CiliumNamespace
	if l.Exec == nil {
		st.markMissing(KindAgentOutput, "the doctor was given no way to exec into pods")
		return nil
	}
	if why := l.denied(ctx, ns, "exec"); why != "" {
		st.markMissing(KindAgentOutput, why+": the data-path checks run cilium-dbg in the Cilium agent pods")
		return nil
	}
	done := map[string]bool{}
	for _, t := range targets {
		if t.Agent == "" {
			continue
		}
		for _, cmd := range e.agentCommands(t) {
			if done[t.Agent+"/"+cmd.file] {
				continue
			}
			done[t.Agent+"/"+cmd.file] = true
			o, err := l.runAgentCommand(ctx, podexec.Target{Namespace: ns, Pod: t.Agent, Container: agentContainer}, cmd)
			if err != nil {
				return err
			}
			st.AgentOutputs = append(st.AgentOutputs, o)
		}
	}
	return nil
}

// runAgentCommand runs cmd in an agent; only a cancelled context is an error.
func (l *LiveSource) runAgentCommand(ctx context.Context, target podexec.Target, cmd agentCommand) (AgentOutput, error) {
	cctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	res, err := l.Exec.Exec(cctx, target, cmd.argv())
	if ctx.Err() != nil {
		return AgentOutput{}, ctx.Err()
	}
	o := AgentOutput{Agent: target.Pod, File: cmd.file, Stdout: string(res.Stdout), Stderr: string(res.Stderr), ExitCode: res.ExitCode}
	if err != nil {
		o.Err = err.Error()
	}
	return o, nil
}

func (l *LiveSource) gatherFlows(ctx context.Context, st *State, e *env, targets []datapathTarget) error {
	ns := e.scope.CiliumNamespace
	if l.Flows == nil {
		st.markMissing(KindHubbleFlow, "the doctor was given no Hubble Relay client")
		return nil
	}
	if why := l.denied(ctx, ns, "portforward"); why != "" {
		st.markMissing(KindHubbleFlow, why+": the data-path checks read Hubble Relay through a port-forward")
		return nil
	}
	for _, t := range targets {
		req, err := e.flowQuery(t).Request()
		if err != nil {
			continue
		}
		flows, err := l.Flows.Flows(ctx, ns, req)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, hubble.ErrNoRelay):
			st.markMissing(KindHubbleFlow, fmt.Sprintf("%v: the data-path checks read the workload's flows from it", err))
			return nil
		case err != nil:
			st.markMissing(KindHubbleFlow, fmt.Sprintf("could not read Hubble Relay's flows in %s: %v", ns, err))
			return nil
		}
		st.Flows = append(st.Flows, flows...)
	}
	return nil
}

// flowQuery is what the data-path checks read of t's flows: its
// connections to its TLS ports, Envoy's responses to it, and its flows to
// the intercepted names on any port.
func (e *env) flowQuery(t datapathTarget) hubble.PortQuery {
	q := hubble.PortQuery{SourcePod: t.Pod.Namespace + "/" + t.Pod.Name}
	seenPort, seenName := map[uint32]bool{}, map[string]bool{}
	for _, tp := range e.tlsPortsOf(t) {
		for _, p := range tcpPorts(tp) {
			if !seenPort[uint32(p)] {
				seenPort[uint32(p)] = true
				q.Ports = append(q.Ports, uint32(p))
			}
		}
		for _, f := range tp.Egress.ToFQDNs {
			for _, n := range []string{f.MatchName, f.MatchPattern} {
				if n = strings.TrimSuffix(strings.ToLower(n), "."); n != "" && !seenName[n] {
					seenName[n] = true
					q.Names = append(q.Names, n)
				}
			}
		}
	}
	return q
}

// denied asks the API server whether the doctor may create pods/sub in ns
// and returns why not, or "" when it may.
func (l *LiveSource) denied(ctx context.Context, ns, sub string) string {
	review := &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authv1.ResourceAttributes{Namespace: ns, Verb: "create", Resource: "pods", Subresource: sub},
	}}
	got, err := l.Clientset.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	switch {
	case err != nil:
		return fmt.Sprintf("could not ask whether pods/%s is allowed in namespace %q: %v", sub, ns, err)
	case !got.Status.Allowed:
		why := ""
		if got.Status.Reason != "" {
			why = ": " + got.Status.Reason
		}
		return fmt.Sprintf("not allowed to create pods/%s in namespace %q (SelfSubjectAccessReview%s)", sub, ns, why)
	}
	return ""
}
