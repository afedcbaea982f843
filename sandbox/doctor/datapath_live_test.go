package doctor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

// TestLiveRunsEachReleasesCommands: the live source runs, in the agent on
// the workload's node, the commands of its release: 1.20 with secret sync
// adds the SDS secrets of Envoy's config. Envoy's TLS counters are read on
// every release.
func TestLiveRunsEachReleasesCommands(t *testing.T) {
	common := []string{
		"cilium-lk9vd: cilium-dbg endpoint get 1283 -o json",
		"cilium-lk9vd: cilium-dbg bpf policy get -n 1283",
		"cilium-lk9vd: cilium-dbg policy get -o json",
		"cilium-lk9vd: cilium-dbg policy selectors -o json",
		"cilium-lk9vd: cilium-dbg fqdn cache list -o json",
		"cilium-lk9vd: cilium-dbg envoy admin certs",
		"cilium-lk9vd: cilium-dbg envoy admin metrics -f ssl",
		"cilium-lk9vd: cilium-dbg envoy admin metrics -f upstream_cx_connect_fail",
	}
	cases := map[string][]string{
		"healthy-1.16": common,
		"healthy":      append(append([]string{}, common...), "cilium-lk9vd: cilium-dbg envoy admin config secrets"),
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			live, cs, _ := liveFromFixture(t, name)
			agents := withRecordedDatapath(t, live, cs, statesDir+"/"+name)
			rep, err := Run(context.Background(), live, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*agents.ran, want) {
				t.Errorf("ran:\n%s\nwant:\n%s", strings.Join(*agents.ran, "\n"), strings.Join(want, "\n"))
			}
			if c := rep.Counts(); c[StatusPass] != len(rep.Findings) {
				t.Errorf("live %s: %v, want every check to pass", name, c)
			}
		})
	}
}

// TestLiveWithoutExecPermission: without create pods/exec in kube-system
// the data-path checks are unread, naming the permission, and nothing is
// run.
func TestLiveWithoutExecPermission(t *testing.T) {
	live, cs, _ := liveFromFixture(t, "healthy")
	agents := withRecordedDatapath(t, live, cs, statesDir+"/healthy")
	allowExec(cs, false)
	rep, err := Run(context.Background(), live, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"endpoint-redirect": `not allowed to create pods/exec in namespace "kube-system"`,
		"fqdn-learned":      `not allowed to create pods/exec in namespace "kube-system"`,
		"envoy-secrets":     `not allowed to create pods/exec in namespace "kube-system"`,
		"hubble-flows":      `not allowed to create pods/portforward in namespace "kube-system"`,
		"upstream-trust":    `not allowed to create pods/exec in namespace "kube-system"`,
	}
	for id, w := range want {
		if f := rep.Finding(id); f.Status != StatusUnread || !strings.Contains(f.Reason, w) {
			t.Errorf("%s = %s %q, want unread with %q", id, f.Status, f.Reason, w)
		}
	}
	if len(*agents.ran) != 0 || rep.RootCause != "" {
		t.Errorf("ran %q, root cause %q: without permission nothing runs and nothing fails", *agents.ran, rep.RootCause)
	}
}

type failingFlows struct{ err error }

func (f failingFlows) Flows(context.Context, string, *observer.GetFlowsRequest) ([]*flowpb.Flow, error) {
	return nil, f.err
}

func TestLiveWithoutHubbleRelay(t *testing.T) {
	cases := map[string]struct {
		err  error
		want string
	}{
		"no relay":    {fmt.Errorf("%w: no service kube-system/hubble-relay (Cilium's Helm value hubble.relay.enabled=true creates it)", hubble.ErrNoRelay), "hubble.relay.enabled=true"},
		"relay fails": {errors.New("rpc error: code = Unavailable"), "could not read Hubble Relay's flows in kube-system: rpc error"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			live, cs, _ := liveFromFixture(t, "healthy")
			withRecordedDatapath(t, live, cs, statesDir+"/healthy")
			live.Flows = failingFlows{c.err}
			rep, err := Run(context.Background(), live, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			if f := rep.Finding("hubble-flows"); f.Status != StatusUnread || !strings.Contains(f.Reason, c.want) {
				t.Errorf("hubble-flows = %s %q, want unread with %q", f.Status, f.Reason, c.want)
			}
		})
	}
}
