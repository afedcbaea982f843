package pipeline

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/exec"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// fakeKind records what the cluster step asks of kind.
type fakeKind struct {
	exists     bool
	created    []cluster.CreateInput
	kubeconfig []string
	// kubeconfigErr is what reading the kubeconfig fails with.
	kubeconfigErr error
	// logsDir is where CollectLogs was asked to write.
	logsDir string
	// nodes are the cluster's nodes (none: unknown, not checked).
	nodes []nodes.Node
}

func (k *fakeKind) Exists(string) (bool, error) { return k.exists, nil }
func (k *fakeKind) Create(_ context.Context, in cluster.CreateInput) error {
	k.created = append(k.created, in)
	k.exists = true
	return nil
}
func (k *fakeKind) WriteKubeconfig(_, path string) error {
	k.kubeconfig = append(k.kubeconfig, path)
	return k.kubeconfigErr
}
func (k *fakeKind) Nodes(string) ([]nodes.Node, error) { return k.nodes, nil }
func (k *fakeKind) Kubeconfig(string) ([]byte, error) {
	return []byte("apiVersion: v1\nkind: Config\n"), k.kubeconfigErr
}

// versionNode is a kind node that answers `cat /kind/version`.
type versionNode struct{ version string }

func (n versionNode) String() string              { return "demo-control-plane" }
func (n versionNode) Role() (string, error)       { return "control-plane", nil }
func (n versionNode) IP() (string, string, error) { return "172.18.0.2", "", nil }
func (n versionNode) SerialLogs(io.Writer) error  { return nil }
func (n versionNode) Command(string, ...string) exec.Cmd {
	return &versionCmd{version: n.version}
}
func (n versionNode) CommandContext(_ context.Context, c string, args ...string) exec.Cmd {
	return n.Command(c, args...)
}

type versionCmd struct {
	version string
	stdout  io.Writer
}

func (c *versionCmd) Run() error                     { _, err := io.WriteString(c.stdout, c.version+"\n"); return err }
func (c *versionCmd) SetEnv(...string) exec.Cmd      { return c }
func (c *versionCmd) SetStdin(io.Reader) exec.Cmd    { return c }
func (c *versionCmd) SetStdout(w io.Writer) exec.Cmd { c.stdout = w; return c }
func (c *versionCmd) SetStderr(io.Writer) exec.Cmd   { return c }

func TestEnsureClusterRefusesOtherNodes(t *testing.T) {
	r, err := resolve(Options{ClusterName: "demo", Cilium: versions.MustParseCilium("1.18"), KubeconfigPath: filepath.Join(t.TempDir(), "kubeconfig")})
	if err != nil {
		t.Fatal(err)
	}
	node := func(v string) nodes.Node { return versionNode{version: v} }
	cases := []struct {
		name    string
		nodes   []nodes.Node
		wantErr string
	}{
		{name: "same version and count", nodes: []nodes.Node{node("v1.33.4"), node("v1.33.4")}},
		{name: "other Kubernetes", nodes: []nodes.Node{node("v1.36.4"), node("v1.36.4")},
			wantErr: "has Kubernetes v1.36.4, not v1.33.4 of kindest/node:v1.33.4@sha256:"},
		{name: "other node count", nodes: []nodes.Node{node("v1.33.4")}, wantErr: "has 1 nodes, not the 2 of the kind config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := &state{r: r, kind: &fakeKind{exists: true, nodes: c.nodes}, clients: func(string) (kubernetes.Interface, dynamic.Interface, error) {
				return fake.NewClientset(), dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), nil
			}}
			_, changed, err := ensureCluster(t.Context(), st)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrClusterMismatch) || !strings.Contains(err.Error(), c.wantErr) ||
				!strings.Contains(err.Error(), "sandbox down --cluster-name demo") || changed {
				t.Fatalf("ensureCluster = changed %v, %v; want ErrClusterMismatch naming %q and how to recreate", changed, err, c.wantErr)
			}
		})
	}
}
func (k *fakeKind) CollectLogs(_, dir string) error {
	k.logsDir = dir
	return os.MkdirAll(dir, 0o700)
}

func TestEnsureClusterStep(t *testing.T) {
	kindnet := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kindnet"}}
	cases := []struct {
		name        string
		exists      bool
		objs        []runtime.Object
		wantCreate  bool
		wantChanged bool
		wantErr     error
		wantDetail  string
	}{
		{name: "missing: created", wantCreate: true, wantChanged: true, wantDetail: "created with kindest/node:"},
		{name: "exists: reused", exists: true, wantDetail: "exists, kubeconfig "},
		{name: "exists with kindnet: refused", exists: true, objs: []runtime.Object{kindnet}, wantErr: cluster.ErrForeignCluster},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := resolve(Options{ClusterName: "demo", KubeconfigPath: filepath.Join(t.TempDir(), "kubeconfig")})
			if err != nil {
				t.Fatal(err)
			}
			k := &fakeKind{exists: c.exists}
			st := &state{r: r, kind: k, clients: func(string) (kubernetes.Interface, dynamic.Interface, error) {
				return fake.NewClientset(c.objs...), dynamicfake.NewSimpleDynamicClient(runtime.NewScheme()), nil
			}}
			detail, changed, err := ensureCluster(context.Background(), st)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) || !strings.Contains(err.Error(), "sandbox down --cluster-name demo") {
					t.Fatalf("error = %v, want %v with how to recreate", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if (len(k.created) == 1) != c.wantCreate {
				t.Fatalf("created %v, want create=%v", k.created, c.wantCreate)
			}
			if c.wantCreate && (k.created[0].Name != "demo" || k.created[0].NodeImage != r.nodeImage.Ref || k.created[0].KubeconfigPath != r.KubeconfigPath) {
				t.Errorf("create input %+v", k.created[0])
			}
			if len(k.kubeconfig) != 1 || k.kubeconfig[0] != r.KubeconfigPath {
				t.Errorf("kubeconfig written to %v, want %s", k.kubeconfig, r.KubeconfigPath)
			}
			if changed != c.wantChanged || !strings.HasPrefix(detail, c.wantDetail) {
				t.Errorf("changed=%v detail=%q, want changed=%v detail %q...", changed, detail, c.wantChanged, c.wantDetail)
			}
		})
	}
}

func TestWaitCertificates(t *testing.T) {
	cert := func(ns, name, status string) runtime.Object {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
			"metadata": map[string]any{"namespace": ns, "name": name, "labels": map[string]any{"app.kubernetes.io/instance": intercept.DefaultReleaseName}},
			"status":   map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status, "message": "Issuing"}}},
		}}
		return u
	}
	cases := []struct {
		name    string
		objs    []runtime.Object
		wantErr string
	}{
		{name: "all ready", objs: []runtime.Object{cert("cert-manager", "ca", "True"), cert("cilium-secrets", "github", "True")}},
		{name: "leaf pending", objs: []runtime.Object{cert("cert-manager", "ca", "True"), cert("cilium-secrets", "github", "False")},
			wantErr: "cilium-secrets/github: Issuing"},
		{name: "leaf pending in a custom TLS secrets namespace", objs: []runtime.Object{cert("cert-manager", "ca", "True"), cert("tls-secrets", "github", "False")},
			wantErr: "tls-secrets/github: Issuing"},
		{name: "another release's certificate is not waited for", objs: []runtime.Object{cert("cert-manager", "ca", "True"), &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": map[string]any{"namespace": "apps", "name": "other"}}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList"}, c.objs...)
			st := &state{dyn: dyn}
			err := waitCertificates(context.Background(), st, chartCertificates(), 50*time.Millisecond)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want ErrNotReady naming %q", err, c.wantErr)
			}
		})
	}
}

func TestWaitWorkloadWaitsForCoreDNS(t *testing.T) {
	two := int32(2)
	deploy := func(ns, name string, available int32) *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": intercept.WorkloadLabel}},
			Spec:       appsv1.DeploymentSpec{Replicas: &two},
			Status:     appsv1.DeploymentStatus{Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: available},
		}
	}
	cases := []struct {
		name      string
		coreDNS   int32
		wantError string
	}{
		{name: "CoreDNS available", coreDNS: 2},
		{name: "CoreDNS pending", coreDNS: 0, wantError: "kube-system/coredns: 0/2 available"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kube := fake.NewClientset(deploy("kube-system", "coredns", c.coreDNS), deploy(intercept.WorkloadNamespace, "workload", 2))
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList", resources.Bundles(): "BundleList"})
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			_, _, err := waitWorkload(ctx, &state{kube: kube, dyn: dyn})
			if c.wantError == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), c.wantError) {
				t.Fatalf("error = %v, want ErrNotReady naming %q", err, c.wantError)
			}
		})
	}
}

func TestEnsureClusterStoppedNodes(t *testing.T) {
	r, err := resolve(Options{ClusterName: "demo", KubeconfigPath: filepath.Join(t.TempDir(), "kubeconfig")})
	if err != nil {
		t.Fatal(err)
	}
	notRunning := errors.New("container demo-control-plane is not running")
	st := &state{r: r, kind: &fakeKind{exists: true, kubeconfigErr: notRunning}}
	_, changed, err := ensureCluster(t.Context(), st)
	if !errors.Is(err, notRunning) || !strings.Contains(err.Error(), "docker start") || changed {
		t.Fatalf("ensureCluster = changed %v, %v; want kind's error with how to restart the nodes", changed, err)
	}
}
