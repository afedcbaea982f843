package doctor

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/cilium-tls-intercept/sandbox/sandbox/crds"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

// fixtureResources maps the kinds of the recorded states to their API
// resources.
func fixtureResources() map[string]schema.GroupVersionResource {
	out := map[string]schema.GroupVersionResource{
		"ConfigMap":   {Version: "v1", Resource: "configmaps"},
		"Pod":         {Version: "v1", Resource: "pods"},
		"Secret":      {Version: "v1", Resource: "secrets"},
		"DaemonSet":   {Group: "apps", Version: "v1", Resource: "daemonsets"},
		"ClusterRole": {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
		"Node":        {Version: "v1", Resource: "nodes"},
	}
	for _, r := range customResources() {
		out[string(r.kind)] = r.gvr
	}
	return out
}

// TestLiveAgainstAPIServer loads recorded states into a real kube-apiserver
// (with Cilium's and cert-manager's CRDs) and expects the live source to
// give the dump's findings; pod logs and exec need a kubelet, so agent-logs
// and the data-path checks are unread, through the real exec client.
func TestLiveAgainstAPIServer(t *testing.T) {
	dir, err := assets.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := assets.Check(dir); errors.Is(err, assets.ErrMissing) {
		t.Skipf("needs the kube-apiserver and etcd binaries: %v", err)
	}
	env := &envtest.Environment{BinaryAssetsDirectory: dir, CRDs: crds.All(), ErrorIfCRDPathMissing: true}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start kube-apiserver: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	names := make([]string, 0, len(rootCauses()))
	for n := range rootCauses() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			live, err := NewLiveSourceForConfig(cfg, "envtest")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { deleteFixture(t, live.Dynamic, name) })
			loadFixture(t, live.Clientset, live.Dynamic, name)
			got, err := Run(t.Context(), live, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			want := runDump(t, name)
			if len(got.Findings) != len(want.Findings) {
				t.Fatalf("live: %d findings, dump: %d", len(got.Findings), len(want.Findings))
			}
			for i, f := range want.Findings {
				g := got.Findings[i]
				if f.ID == "agent-logs" {
					if g.Status != StatusUnread || !strings.Contains(g.Reason, "could not read the log") {
						t.Errorf("agent-logs = %s %q, want unread: no kubelet serves logs", g.Status, g.Reason)
					}
					continue
				}
				if isDatapathCheck(f.ID) {
					// No kubelet serves exec and no Hubble Relay runs: the
					// data-path checks are unread and name what they could
					// not do (or skip, naming the check they wait for).
					want, status := "could not run in kube-system/", StatusUnread
					switch {
					case strings.HasPrefix(f.Reason, "not checked:"):
						// The check it waits for failed in the dump, and
						// is unread here: it runs and is unread too.
						want = ""
						if g.Status == StatusSkip {
							status = StatusSkip
						}
					case readsFlows(f.ID):
						want = "no Hubble Relay"
					}
					if g.Status != status || !strings.Contains(g.Reason, want) {
						t.Errorf("%s = %s %q, want %s containing %q", f.ID, g.Status, g.Reason, status, want)
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

func fixtureObjects(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	files, err := dumpFiles(filepath.Join(statesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, f := range files {
		if filepath.Ext(f) == ".log" {
			continue
		}
		objs, _, err := decodeFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, objs...)
	}
	return out
}

// loadFixture creates the namespaces, service accounts and objects of a
// recorded state, then writes each object's status.
func loadFixture(t *testing.T, cs kubernetes.Interface, dyn dynamic.Interface, name string) {
	t.Helper()
	ctx := context.Background()
	for _, ns := range []string{"intercept-workload", "cilium-secrets", "cert-manager"} {
		_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	for _, sa := range [][2]string{{"kube-system", "cilium"}, {"kube-system", "cilium-envoy"}, {"intercept-workload", "default"}} {
		_, err := cs.CoreV1().ServiceAccounts(sa[0]).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: sa[0], Name: sa[1]}}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	res := fixtureResources()
	for _, u := range fixtureObjects(t, name) {
		gvr, ok := res[u.GetKind()]
		if !ok {
			t.Fatalf("no resource for kind %s", u.GetKind())
		}
		ri := resourceFor(dyn, gvr, u.GetNamespace())
		obj := u.DeepCopy()
		unstructured.RemoveNestedField(obj.Object, "metadata", "resourceVersion")
		unstructured.RemoveNestedField(obj.Object, "metadata", "uid")
		unstructured.RemoveNestedField(obj.Object, "metadata", "ownerReferences")
		created, err := ri.Create(ctx, obj, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create %s %s: %v", u.GetKind(), objectName(u), err)
		}
		if u.GetKind() == "Node" {
			// The API server's TaintNodesByCondition admission taints a new
			// node not-ready until its kubelet reports; no kubelet runs
			// here, so put the recorded taints back.
			created.Object["spec"] = u.Object["spec"]
			if created, err = ri.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("taints of node %s: %v", u.GetName(), err)
			}
		}
		status, hasStatus := u.Object["status"]
		if !hasStatus || reflect.DeepEqual(created.Object["status"], status) {
			continue
		}
		created.Object["status"] = status
		// NotFound: the kind has no status subresource (CiliumEndpoint),
		// so its status was stored with the object.
		if _, err := ri.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("status of %s %s: %v", u.GetKind(), objectName(u), err)
		}
	}
}

func deleteFixture(t *testing.T, dyn dynamic.Interface, name string) {
	t.Helper()
	res := fixtureResources()
	zero := int64(0)
	for _, u := range fixtureObjects(t, name) {
		err := resourceFor(dyn, res[u.GetKind()], u.GetNamespace()).Delete(context.Background(), u.GetName(), metav1.DeleteOptions{GracePeriodSeconds: &zero})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatalf("delete %s %s: %v", u.GetKind(), objectName(u), err)
		}
	}
}

func resourceFor(dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return dyn.Resource(gvr)
	}
	return dyn.Resource(gvr).Namespace(ns)
}

// readsFlows reports whether check id reads Hubble's flows.
func readsFlows(id string) bool {
	for _, c := range checks() {
		if c.id == id {
			return slices.Contains(c.reads, KindHubbleFlow)
		}
	}
	return false
}
