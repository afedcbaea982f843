package doctor

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"
	hubblev1 "github.com/cilium/cilium/pkg/hubble/api/v1"
	"github.com/cilium/cilium/pkg/hubble/filters"
	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

// recordedAgents stands in for the exec API of the Cilium agent pods: it
// answers each cilium-dbg command with the output a state recorded for
// that agent, and like cilium-dbg exits 1 for a command it does not know.
type recordedAgents struct {
	outputs []AgentOutput
	// files maps a command line to the file its output is recorded in.
	files map[string]string
	// ran lists the commands run, "agent: cilium-dbg ...".
	ran *[]string
}

func newRecordedAgents(st *State) recordedAgents {
	cmds := []agentCommand{cmdPolicyGet(), cmdPolicySelectors(), cmdFQDNCache(), cmdEnvoyCerts(), cmdEnvoySecrets()}
	cmds = append(cmds, cmdEnvoyMetrics(metricsFilterTLS), cmdEnvoyMetrics(metricsFilterConnectFail))
	for _, cep := range st.Endpoints {
		cmds = append(cmds, cmdEndpointGet(cep.Status.ID), cmdBPFPolicyGet(cep.Status.ID))
	}
	files := map[string]string{}
	for _, c := range cmds {
		files[strings.Join(c.argv(), " ")] = c.file
	}
	return recordedAgents{outputs: st.AgentOutputs, files: files, ran: new([]string)}
}

func (r recordedAgents) Exec(_ context.Context, t podexec.Target, argv []string) (podexec.Result, error) {
	line := strings.Join(argv, " ")
	*r.ran = append(*r.ran, t.Pod+": "+line)
	if t.Container != agentContainer {
		return podexec.Result{}, fmt.Errorf("container %q not found in pod %s", t.Container, t)
	}
	for _, o := range r.outputs {
		if o.Agent == t.Pod && o.File == r.files[line] {
			if o.Err != "" {
				return podexec.Result{Stderr: []byte(o.Stderr)}, fmt.Errorf("%s", o.Err)
			}
			return podexec.Result{Stdout: []byte(o.Stdout), Stderr: []byte(o.Stderr), ExitCode: o.ExitCode}, nil
		}
	}
	return podexec.Result{Stderr: []byte(fmt.Sprintf("Error: unknown command %q for %q\n", argv[len(argv)-1], "cilium-dbg")), ExitCode: 1}, nil
}

// recordedFlows stands in for Hubble Relay with a state's recorded flows:
// it selects them with Hubble's own filters (pkg/hubble/filters, as Relay
// applies a request's whitelist) and, like Relay, answers the last Number
// of them.
type recordedFlows struct{ flows []*flowpb.Flow }

func (r recordedFlows) Flows(ctx context.Context, _ string, req *observer.GetFlowsRequest) ([]*flowpb.Flow, error) {
	wl, err := filters.BuildFilterList(ctx, req.GetWhitelist(), filters.DefaultFilters(slog.Default()))
	if err != nil {
		return nil, err
	}
	var out []*flowpb.Flow
	for _, f := range r.flows {
		if filters.Apply(wl, nil, &hubblev1.Event{Event: f}) {
			out = append(out, f)
		}
	}
	if n := int(req.GetNumber()); n > 0 && len(out) > n {
		sort.SliceStable(out, func(i, j int) bool { return out[i].GetTime().AsTime().Before(out[j].GetTime().AsTime()) })
		out = out[len(out)-n:]
	}
	return out, nil
}

// recordedLogs stands in for the API server's pod logs with a state's
// recorded logs; a pod with none has an empty log.
type recordedLogs []AgentLog

func (r recordedLogs) Log(_ context.Context, pod corev1.Pod, _ string, _ int64) (string, error) {
	for _, l := range r {
		if l.Pod == pod.Name {
			return l.Text, nil
		}
	}
	return "", nil
}

// allowExec makes the fake API server answer every SelfSubjectAccessReview
// with allowed (or not).
func allowExec(cs *fake.Clientset, allowed bool) {
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authv1.SelfSubjectAccessReview).DeepCopy()
		r.Status.Allowed = allowed
		if !allowed {
			r.Status.Reason = "RBAC: no rule allows it"
		}
		return true, r, nil
	})
}

// withRecordedDatapath gives live the recorded data path of state dir.
func withRecordedDatapath(t *testing.T, live *LiveSource, cs *fake.Clientset, dir string) recordedAgents {
	t.Helper()
	var st State
	if err := readDatapath(dir, &st); err != nil {
		t.Fatal(err)
	}
	dump, err := DumpSource{Dir: dir}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	st.Endpoints = dump.Endpoints
	agents := newRecordedAgents(&st)
	live.Exec, live.Flows = agents, recordedFlows{st.Flows}
	live.Logs = recordedLogs(append(dump.AgentLogs, dump.EnvoyLogs...))
	allowExec(cs, true)
	return agents
}
