package scenarios

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/types"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// collectOnFailure writes a failed feature's artifacts and prints their path.
func (s *suiteState) collectOnFailure(ctx context.Context, _ *envconf.Config, t *testing.T, f types.Feature) (context.Context, error) {
	if !t.Failed() || s.cs == nil {
		return ctx, nil
	}
	dir := filepath.Join(s.opts.artifacts, time.Now().UTC().Format("20060102-150405")+"-"+f.Name())
	errs := s.collect(ctx, dir)
	t.Logf("artifacts of %s: %s", f.Name(), dir)
	for _, err := range errs {
		t.Logf("artifacts: %v", err)
	}
	return ctx, nil
}

// collect writes everything that explains a failure into dir and returns
// what could not be collected; it never stops at the first error.
func (s *suiteState) collect(ctx context.Context, dir string) []error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return []error{err}
	}
	steps := []struct {
		name string
		run  func(context.Context, string) error
	}{
		{"doctor", s.collectDoctor},
		{"cilium logs", s.podLogs("kube-system", "k8s-app=cilium", "cilium-agent")},
		{"envoy logs", s.podLogs("kube-system", "k8s-app=cilium-envoy", "")},
		{"resources", s.collectResources},
		{"secrets", s.collectSecretKeys},
		{"hubble flows", s.collectFlows},
		{"kind logs", s.collectKindLogs},
	}
	var errs []error
	for _, step := range steps {
		if err := step.run(ctx, dir); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", step.name, err))
		}
	}
	return errs
}

// collectDoctor writes the doctor's report on the live cluster and the
// state it read (state/), whose datapath/ holds what cilium-dbg answered in
// the agent on the workload's node (endpoint, BPF policy map, FQDN cache,
// Envoy's certificates and SDS secrets, private keys removed) and Hubble's
// last flows from the workload to its TLS ports.
func (s *suiteState) collectDoctor(ctx context.Context, dir string) error {
	if s.rest == nil {
		return errors.New("no live cluster: the suite never connected")
	}
	src, err := doctor.NewLiveSourceForConfig(s.rest, s.rest.Host)
	if err != nil {
		return err
	}
	_, err = doctor.WriteReport(ctx, dir, src, doctor.Options{})
	return err
}

// podLogs returns a step writing the logs (and previous logs) of the pods
// matching selector.
func (s *suiteState) podLogs(ns, selector, container string) func(context.Context, string) error {
	return func(ctx context.Context, dir string) error {
		pods, err := s.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			opts := &corev1.PodLogOptions{Container: container, TailLines: ptrInt64(5000)}
			b, err := s.cs.CoreV1().Pods(ns).GetLogs(p.Name, opts).DoRaw(ctx)
			if err != nil {
				b = []byte(err.Error())
			}
			if err := os.WriteFile(filepath.Join(dir, "logs-"+p.Name+".txt"), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
}

func ptrInt64(v int64) *int64 { return &v }

// artifactResource is a resource listed into resources-<name>.yaml.
type artifactResource struct {
	name string
	gvr  schema.GroupVersionResource
}

// artifactResources are the resources a failure's artifacts list (all namespaces).
func artifactResources() []artifactResource {
	return []artifactResource{
		{"ciliumnetworkpolicies", resources.CiliumNetworkPolicies()},
		{"ciliumendpoints", resources.CiliumEndpoints()},
		{"certificates", resources.Certificates()},
	}
}

func (s *suiteState) collectResources(ctx context.Context, dir string) error {
	var errs []string
	for _, r := range artifactResources() {
		list, err := s.dyn.Resource(r.gvr).List(ctx, metav1.ListOptions{})
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", r.name, err))
			continue
		}
		var b strings.Builder
		for i := range list.Items {
			o := &list.Items[i]
			o.SetManagedFields(nil)
			b.WriteString("---\n" + yamlOf(o))
		}
		if err := os.WriteFile(filepath.Join(dir, "resources-"+r.name+".yaml"), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// collectSecretKeys writes the names, types and keys of the secrets the
// interception uses, never their values.
func (s *suiteState) collectSecretKeys(ctx context.Context, dir string) error {
	var b strings.Builder
	for _, ns := range []string{ciliumtls.SecretsNamespace, "cert-manager", intercept.WorkloadNamespace} {
		list, err := s.cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", ns, err)
			continue
		}
		for _, sec := range list.Items {
			fmt.Fprintln(&b, secretLine(&sec))
		}
	}
	return os.WriteFile(filepath.Join(dir, "secrets.txt"), []byte(b.String()), 0o644)
}

// secretLine describes a secret by name, type and keys with their sizes.
func secretLine(sec *corev1.Secret) string {
	keys := make([]string, 0, len(sec.Data))
	for k, v := range sec.Data {
		keys = append(keys, fmt.Sprintf("%s (%d bytes)", k, len(v)))
	}
	slices.Sort(keys)
	return fmt.Sprintf("%s/%s %s keys: %s", sec.Namespace, sec.Name, sec.Type, strings.Join(keys, ", "))
}

// collectFlows writes the workload namespace's recent flows from Hubble Relay.
func (s *suiteState) collectFlows(ctx context.Context, dir string) error {
	relay, err := hubble.Dial(ctx, s.rest)
	if err != nil {
		return err
	}
	defer relay.Close()
	req, err := hubble.HTTPQuery{SourcePod: intercept.WorkloadNamespace + "/", Number: 1000}.Request()
	if err != nil {
		return err
	}
	// Every flow, not only L7, to and from the namespace's pods (drops of
	// replies and denied ingress included).
	from := req.Whitelist[0]
	from.EventType, from.Protocol = nil, nil
	req.Whitelist = []*flowpb.FlowFilter{from, {DestinationPod: from.SourcePod}}
	flows, err := relay.Flows(ctx, req)
	var b strings.Builder
	for _, f := range flows {
		b.WriteString(hubble.Describe(f) + "\n")
	}
	if werr := os.WriteFile(filepath.Join(dir, "hubble-flows.txt"), []byte(b.String()), 0o644); werr != nil {
		return werr
	}
	return err
}

// collectKindLogs runs kind's own log export (provider kind only).
func (s *suiteState) collectKindLogs(_ context.Context, dir string) error {
	if s.opts.provider != providerKind {
		return nil
	}
	p := kindcluster.NewProvider(kindcluster.ProviderWithDocker())
	return p.CollectLogs(s.opts.clusterName, filepath.Join(dir, "kind"))
}
