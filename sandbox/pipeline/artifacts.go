package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/certmanager"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// DefaultArtifactsDir is where a failed Up writes its artifact bundle, one
// directory per run, relative to the working directory.
const DefaultArtifactsDir = ".sandbox/artifacts"

// ArtifactsTimeout bounds the collection of a failed Up's artifacts.
const ArtifactsTimeout = 2 * time.Minute

// logTailLines is how much of each container's log the bundle keeps.
const logTailLines = 1000

// collectArtifacts writes what explains a failed Up into a new directory
// under the artifacts directory and returns its path ("" when the cluster
// does not exist: a failure before it holds nothing to collect): kind's node logs
// (`kind export logs`: kubelet, containerd, every pod's log), the
// Certificates with their status, pods and events of the sandbox's
// namespaces, the logs of Cilium's agents, Envoy and operator, and the
// doctor's report with the state it read, the agents' data path and
// Hubble's flows included (DoctorDir). It
// gathers what it can; what failed is listed in collect-errors.txt. It runs
// on a context of its own, as the run's may already be cancelled.
func collectArtifacts(ctx context.Context, st *state) (string, error) {
	if exists, err := st.kind.Exists(st.r.ClusterName); err != nil || !exists {
		return "", err
	}
	base := st.r.ArtifactsDir
	if base == "" {
		base = DefaultArtifactsDir
	}
	dir := filepath.Join(base, "up-"+time.Now().UTC().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ArtifactsTimeout)
	defer cancel()
	var errs []error
	if err := st.kind.CollectLogs(st.r.ClusterName, filepath.Join(dir, "kind")); err != nil {
		errs = append(errs, fmt.Errorf("kind logs: %w", err))
	}
	st.mu.Lock()
	connected := st.kube != nil && st.dyn != nil
	st.mu.Unlock()
	if connected {
		errs = append(errs, collectCluster(ctx, st, dir)...)
	} else {
		errs = append(errs, errors.New("cluster objects and logs: no connection to the cluster"))
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			fmt.Fprintln(&b, e)
		}
		if err := os.WriteFile(filepath.Join(dir, "collect-errors.txt"), []byte(b.String()), 0o600); err != nil {
			return dir, fmt.Errorf("artifacts: %w", err)
		}
	}
	return dir, nil
}

// artifactNamespaces are the namespaces whose pods and events the bundle keeps.
func artifactNamespaces() []string {
	return []string{cilium.Namespace, certmanager.Namespace, ciliumtls.SecretsNamespace, intercept.DefaultNamespace, intercept.WorkloadNamespace}
}

// collectCluster writes Certificates, pods, events, component logs and the
// doctor's report.
func collectCluster(ctx context.Context, st *state, dir string) []error {
	var errs []error
	if err := writeCertificates(ctx, st, dir); err != nil {
		errs = append(errs, err)
	}
	if err := writeDoctor(ctx, st, dir); err != nil {
		errs = append(errs, err)
	}
	for _, ns := range artifactNamespaces() {
		if err := writePodsAndEvents(ctx, st, ns, dir); err != nil {
			errs = append(errs, err)
		}
	}
	for _, sel := range []string{"k8s-app=cilium", "k8s-app=cilium-envoy", "io.cilium/app=operator"} {
		errs = append(errs, writeLogs(ctx, st, cilium.Namespace, sel, filepath.Join(dir, "logs"))...)
	}
	return errs
}

// DoctorDir is where a bundle keeps the doctor's report and the state it
// read: doctor.txt, doctor.json and state/, whose datapath/ holds what
// cilium-dbg answered in the agent on the workload's node and Hubble's
// flows, private keys removed.
const DoctorDir = "doctor"

// writeDoctor runs the doctor over the cluster into dir/DoctorDir.
func writeDoctor(ctx context.Context, st *state, dir string) error {
	if st.doctor == nil {
		return nil
	}
	src, err := st.doctor(st.r.KubeconfigPath)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	if _, err := doctor.WriteReport(ctx, filepath.Join(dir, DoctorDir), src, doctor.Options{}); err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	return nil
}

// writeCertificates writes every Certificate of the cluster with its status.
func writeCertificates(ctx context.Context, st *state, dir string) error {
	list, err := st.dyn.Resource(resources.Certificates()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	return writeYAML(filepath.Join(dir, "certificates.yaml"), list.Items)
}

func writePodsAndEvents(ctx context.Context, st *state, ns, dir string) error {
	pods, err := st.kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("pods in %s: %w", ns, err)
	}
	var b strings.Builder
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "%s %s node=%s%s\n", p.Name, p.Status.Phase, p.Spec.NodeName, containerStates(p.Status.ContainerStatuses))
	}
	events, err := st.kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("events in %s: %w", ns, err)
	}
	fmt.Fprintf(&b, "\nevents:\n")
	for _, e := range events.Items {
		fmt.Fprintf(&b, "%s %s %s/%s: %s (x%d)\n", e.LastTimestamp.UTC().Format(time.RFC3339), e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message, e.Count)
	}
	return os.WriteFile(filepath.Join(dir, "pods-"+ns+".txt"), []byte(b.String()), 0o600)
}

// containerStates is " name=ready" or " name=waiting:Reason" per container.
func containerStates(cs []corev1.ContainerStatus) string {
	var b strings.Builder
	for _, c := range cs {
		state := "ready"
		switch {
		case c.State.Waiting != nil:
			state = "waiting:" + c.State.Waiting.Reason
		case c.State.Terminated != nil:
			state = "terminated:" + c.State.Terminated.Reason
		case !c.Ready:
			state = "running, not ready"
		}
		fmt.Fprintf(&b, " %s=%s restarts=%d", c.Name, state, c.RestartCount)
	}
	return b.String()
}

// writeLogs writes the tail of every container log of the pods selected.
func writeLogs(ctx context.Context, st *state, ns, selector, dir string) []error {
	pods, err := st.kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return []error{fmt.Errorf("pods %s in %s: %w", selector, ns, err)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return []error{err}
	}
	var errs []error
	tail := int64(logTailLines)
	for _, p := range pods.Items {
		for _, c := range p.Spec.Containers {
			rc, err := st.kube.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, TailLines: &tail}).Stream(ctx)
			if err != nil {
				errs = append(errs, fmt.Errorf("log of %s/%s %s: %w", ns, p.Name, c.Name, err))
				continue
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, p.Name+"-"+c.Name+".log"), b, 0o600)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("log of %s/%s %s: %w", ns, p.Name, c.Name, err))
			}
		}
	}
	return errs
}

func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o600)
}
