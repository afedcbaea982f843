package doctor

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	k8stesting "k8s.io/client-go/testing"
)

// liveFromFixture builds fake clients holding the objects of a recorded
// state: core kinds in the typed clientset, Cilium and cert-manager kinds in
// the dynamic client.
func liveFromFixture(t *testing.T, name string) (*LiveSource, *fake.Clientset, *dynfake.FakeDynamicClient) {
	t.Helper()
	files, err := dumpFiles(filepath.Join(statesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var typed, custom []runtime.Object
	for _, f := range files {
		if filepath.Ext(f) == ".log" {
			continue
		}
		objs, _, err := decodeFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range objs {
			if u.GetAPIVersion() == "cilium.io/v2" || u.GetAPIVersion() == "cert-manager.io/v1" || u.GetAPIVersion() == "trust.cert-manager.io/v1alpha1" {
				custom = append(custom, u)
				continue
			}
			typed = append(typed, toTyped(t, u))
		}
	}
	cs := fake.NewClientset(typed...)
	listKinds := map[schema.GroupVersionResource]string{}
	for _, r := range customResources() {
		listKinds[r.gvr] = r.listKind
	}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, custom...)
	live := &LiveSource{Clientset: cs, Dynamic: dyn, Name: "fake"}
	withRecordedDatapath(t, live, cs, filepath.Join(statesDir, name))
	return live, cs, dyn
}

func toTyped(t *testing.T, u *unstructured.Unstructured) runtime.Object {
	t.Helper()
	obj, err := scheme.Scheme.New(u.GroupVersionKind())
	if err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return obj
}

// TestLiveMatchesDump runs the live source against fake clients fed from
// each recorded state, the pods' logs answered from the recorded logs, and
// expects the dump's findings, except the agent logs' counts: the live
// source reads only the agents on the workload's nodes.
func TestLiveMatchesDump(t *testing.T) {
	for name := range rootCauses() {
		t.Run(name, func(t *testing.T) {
			live, _, _ := liveFromFixture(t, name)
			got, err := Run(context.Background(), live, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			want := runDump(t, name)
			if len(got.Findings) != len(want.Findings) || got.RootCause != want.RootCause {
				t.Fatalf("live: %d findings, root cause %q; dump: %d findings, root cause %q", len(got.Findings), got.RootCause, len(want.Findings), want.RootCause)
			}
			for i, f := range want.Findings {
				g := got.Findings[i]
				if f.ID == "agent-logs" {
					// Only the agent on the workload pod's node is read.
					if g.Status != f.Status || !strings.Contains(g.Reason, "1 agent log(s)") && g.Status == StatusPass {
						t.Errorf("live agent-logs = %s %q; dump: %s %q", g.Status, g.Reason, f.Status, f.Reason)
					}
					continue
				}
				if isDatapathCheck(f.ID) && strings.HasPrefix(f.Reason, "the dump has no") {
					// A dump without data-path outputs has nothing to
					// answer the live source's commands with: they are
					// unread, and Relay answers no flow.
					if g.Status != StatusUnread && (!readsFlows(f.ID) || g.Status != StatusSkip) {
						t.Errorf("live %s = %s %q, want unread", f.ID, g.Status, g.Reason)
					}
					continue
				}
				if !reflect.DeepEqual(g, f) {
					t.Errorf("live %s = %+v\ndump %s = %+v", f.ID, g, f.ID, f)
				}
			}
		})
	}
}

func isDatapathCheck(id string) bool {
	for _, c := range datapathChecks() {
		if c.id == id {
			return true
		}
	}
	return false
}

func TestLiveToleratesMissingKinds(t *testing.T) {
	cases := []struct {
		name, verb, resource string
		err                  error
		dynamic              bool
		check, wantReason    string
	}{
		{name: "cert-manager not installed", verb: "list", resource: "certificates", dynamic: true,
			err:   apierrors.NewNotFound(schema.GroupResource{Group: "cert-manager.io", Resource: "certificates"}, ""),
			check: "certificates", wantReason: "the cluster does not serve Certificate"},
		{name: "secrets forbidden", verb: "get", resource: "secrets",
			err:   apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "intercept-github-tls", nil),
			check: "secret-keys", wantReason: "not allowed to read secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			live, cs, dyn := liveFromFixture(t, "healthy")
			react := func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, c.err }
			if c.dynamic {
				dyn.PrependReactor(c.verb, c.resource, react)
			} else {
				cs.PrependReactor(c.verb, c.resource, react)
			}
			rep, err := Run(context.Background(), live, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			f := rep.Finding(c.check)
			if f.Status != StatusUnread || !contains(f.Reason, c.wantReason) {
				t.Fatalf("%s = %s %q, want unread with %q", c.check, f.Status, f.Reason, c.wantReason)
			}
			if rep.RootCause != "" {
				t.Errorf("a missing kind made %q the root cause", rep.RootCause)
			}
		})
	}
}

func TestLiveFailsOnOtherErrors(t *testing.T) {
	live, cs, _ := liveFromFixture(t, "healthy")
	cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("etcd leader changed")
	})
	_, err := Run(context.Background(), live, Options{})
	if err == nil || !contains(err.Error(), "read pods in kube-system: etcd leader changed") {
		t.Fatalf("Run error = %v, want it to name the read and the API error", err)
	}
}

func TestNewLiveSourceWithoutKubeconfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, env string
		want      []string
		notWant   string
	}{
		{"unset, no home file", "", []string{"$KUBECONFIG is unset", filepath.Join(home, ".kube", "config") + " does not exist", "--from"}, ""},
		{"empty file", empty, []string{`$KUBECONFIG is "` + empty + `"`, "no file it names holds a cluster", "--kubeconfig"}, "unset"},
		{"missing file", filepath.Join(home, "absent"), []string{`$KUBECONFIG is "` + filepath.Join(home, "absent")}, "unset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", c.env)
			_, err := NewLiveSource("")
			if err == nil {
				t.Fatal("NewLiveSource succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.notWant != "" && strings.Contains(err.Error(), c.notWant) {
				t.Errorf("error %q says %q", err, c.notWant)
			}
		})
	}
}
