// Package ciliumstate stands in for a cluster that already runs Cilium: it
// renders Cilium's own Helm chart for a release, with the values the
// sandbox installs or with one of them changed, and returns the objects a
// running Cilium has that say what it can do (the agent DaemonSet, whose
// image carries the release, cilium-config, the agent's ClusterRole, the
// Envoy DaemonSet, the operator and Hubble Relay). Apply creates them in an
// API server and marks the DaemonSets and Deployments ready, standing in for
// the kubelet and controllers that a control plane without nodes lacks.
// Lacking lists one Cilium per supported minor that lacks one setting
// interception needs; StandInOperator copies the policies' secrets into the
// secrets namespace as Cilium's operator does under secret sync.
//
// The chart comes from the Cilium module of that release in the Go module
// cache, downloaded through the Go module proxy when missing.
package ciliumstate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ClusterName is the cluster the values are rendered for.
const ClusterName = "existing"

// Values are the Cilium values the sandbox installs for v (cilium.Values)
// with over merged on top (Helm's coalescing: a nil value deletes a key).
func Values(v versions.Cilium, over map[string]any) map[string]any {
	base := cilium.Values(v, cilium.ValuesInput{ClusterName: ClusterName})
	if over == nil {
		return base
	}
	return chartutil.CoalesceTables(deepCopy(over), base)
}

// Objects renders Cilium's chart of release v with values and returns the
// objects a running Cilium is judged by, typed, with ready statuses set.
// The chart's own Namespace of the secrets (1.17+) is returned when rendered.
func Objects(ctx context.Context, v versions.Cilium, values map[string]any) ([]runtime.Object, error) {
	src := cilium.Chart(v)
	if err := download(ctx, src.Module.Path, src.Module.Version); err != nil {
		return nil, err
	}
	c, _, err := release.LoadOffline(src, os.TempDir())
	if err != nil {
		return nil, err
	}
	out, err := release.Render(ctx, release.RenderInput{Chart: c, ReleaseName: cilium.ReleaseName, Namespace: cilium.Namespace,
		Values: values, KubeVersion: versions.NodeImageFor(v).Kubernetes})
	if err != nil {
		return nil, err
	}
	objs, err := out.Objects()
	if err != nil {
		return nil, err
	}
	var typed []runtime.Object
	for _, o := range objs {
		t, err := typedOf(o)
		if err != nil {
			return nil, err
		}
		if t != nil {
			typed = append(typed, t)
		}
	}
	return typed, nil
}

// wanted lists the objects Objects keeps, by kind and name.
func wanted(kind, name string) bool {
	switch kind {
	case "DaemonSet":
		return name == ciliumtls.AgentDaemonSet || name == ciliumtls.EnvoyDaemonSet
	case "Deployment":
		return name == ciliumtls.OperatorDeployment || name == ciliumtls.HubbleRelayDeployment
	case "ConfigMap":
		return name == ciliumtls.ConfigMapName
	case "ClusterRole":
		return name == ciliumtls.AgentClusterRole
	case "Namespace":
		return true
	}
	return false
}

// typedOf converts a kept object to its Go type with a ready status; nil
// for the objects not kept.
func typedOf(o *unstructured.Unstructured) (runtime.Object, error) {
	if !wanted(o.GetKind(), o.GetName()) {
		return nil, nil
	}
	// What helm install adds to every object it creates.
	ann := o.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann["meta.helm.sh/release-name"], ann["meta.helm.sh/release-namespace"] = cilium.ReleaseName, cilium.Namespace
	o.SetAnnotations(ann)
	var into runtime.Object
	switch o.GetKind() {
	case "DaemonSet":
		into = &appsv1.DaemonSet{}
	case "Deployment":
		into = &appsv1.Deployment{}
	case "ConfigMap":
		into = &corev1.ConfigMap{}
	case "ClusterRole":
		into = &rbacv1.ClusterRole{}
	case "Namespace":
		into = &corev1.Namespace{}
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		return nil, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
	}
	MarkReady(into)
	return into, nil
}

// MarkReady gives a DaemonSet one ready pod and a Deployment its replicas
// ready, as the kubelet and controllers would report them.
func MarkReady(obj runtime.Object) {
	switch o := obj.(type) {
	case *appsv1.DaemonSet:
		o.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1,
			NumberAvailable: 1, UpdatedNumberScheduled: 1, ObservedGeneration: o.Generation}
	case *appsv1.Deployment:
		n := int32(1)
		if o.Spec.Replicas != nil {
			n = *o.Spec.Replicas
		}
		o.Status = appsv1.DeploymentStatus{Replicas: n, ReadyReplicas: n, AvailableReplicas: n, UpdatedReplicas: n, ObservedGeneration: o.Generation}
	}
}

// download makes sure module@version is in the Go module cache.
func download(ctx context.Context, path, version string) error {
	if _, err := os.Stat(filepath.Join(release.ModuleCache(), path+"@"+version)); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", path+"@"+version)
	cmd.Dir = os.TempDir() // outside any module: go.mod and go.sum stay untouched
	// The checksum database does not list every Cilium release the module
	// proxy serves (v1.18.10 answers 404 there), and the module is read here
	// only for its Helm chart, rendered in a test: skip the database for it.
	cmd.Env = append(os.Environ(), "GONOSUMDB="+path)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	runErr := cmd.Run()
	var info struct{ Error string }
	_ = json.Unmarshal(stdout.Bytes(), &info)
	if runErr != nil || info.Error != "" {
		return fmt.Errorf("%w: go mod download %s@%s: %v %s", release.ErrChartUnavailable, path, version, runErr, info.Error)
	}
	return nil
}

// deepCopy copies values through JSON, so coalescing cannot change the
// caller's map (CoalesceTables writes into its first argument).
func deepCopy(m map[string]any) map[string]any {
	data, err := json.Marshal(m)
	if err != nil {
		panic(err) // values are JSON by construction
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		panic(err)
	}
	return out
}
