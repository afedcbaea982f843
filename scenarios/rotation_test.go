package scenarios

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// rotationKey holds the state before the renewal in the feature's context.
type rotationKey struct{}

type beforeRotation struct {
	serial string
	pods   map[string]string // namespace/name -> uid/restarts
}

func TestRotation(t *testing.T) {
	requireDataPath(t)
	f := features.New("rotation").WithLabel(scenario.Label, scenario.Rotation).
		Setup(func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			r := suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted)
			pods, err := suite.podSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return context.WithValue(ctx, rotationKey{}, beforeRotation{serial: serialOf(r), pods: pods})
		}).
		Assess("a renewal is served without restarts", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			before := ctx.Value(rotationKey{}).(beforeRotation)
			gc, err := findGroupCert(ctx, suite.dyn, githubGroup)
			if err != nil {
				t.Fatal(err)
			}
			if err := renew(ctx, suite.dyn, gc.namespace, gc.name); err != nil {
				t.Fatal(err)
			}
			suite.expectNewSerial(ctx, t, before.serial, gc)
			after, err := suite.podSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(before.pods, after) {
				t.Errorf("pods restarted or replaced during the renewal:\nbefore %v\nafter  %v", before.pods, after)
			}
			return ctx
		}).
		Assess("the served leaf is the renewed secret's", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.expectServedIsSecret(ctx, t)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// renew triggers a renewal as cmctl renew does: the Issuing condition set
// True with reason ManuallyTriggered, through the status subresource. Both
// the data-path and the hermetic rotation scenarios use it.
func renew(ctx context.Context, dyn dynamic.Interface, namespace, name string) error {
	certs := dyn.Resource(resources.Certificates()).Namespace(namespace)
	// cert-manager writes the status too: a conflict is retried on a fresh copy.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		c, err := certs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		setIssuing(c, time.Now())
		_, err = certs.UpdateStatus(ctx, c, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("trigger renewal of certificate %s/%s: %w", namespace, name, err)
	}
	return nil
}

// setIssuing replaces the Issuing condition with the one cmctl renew sets.
func setIssuing(c *unstructured.Unstructured, now time.Time) {
	conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
	kept := conds[:0]
	for _, cond := range conds {
		if m, ok := cond.(map[string]any); !ok || m["type"] != "Issuing" {
			kept = append(kept, cond)
		}
	}
	kept = append(kept, map[string]any{
		"type":               "Issuing",
		"status":             "True",
		"reason":             "ManuallyTriggered",
		"message":            "Certificate re-issuance manually triggered",
		"lastTransitionTime": now.UTC().Format(time.RFC3339),
		"observedGeneration": c.GetGeneration(),
	})
	_ = unstructured.SetNestedSlice(c.Object, kept, "status", "conditions")
}

// expectNewSerial probes until a serial other than old is served. Its
// failure says what the secret and the Certificate were at, to tell a
// renewal cert-manager never made from one Cilium never served.
func (s *suiteState) expectNewSerial(ctx context.Context, t *testing.T, old string, gc groupCert) {
	t.Helper()
	p := s.prober(ctx, t, s.workload)
	var last probe.Result
	start := time.Now()
	err := wait.PollUntilContextTimeout(ctx, 3*time.Second, s.opts.rotationTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		last, err = p.Probe(ctx, githubMeta.probeRequest(s.opts.probeTimeout))
		return err == nil && last.Expectation == probe.Intercepted && serialOf(last) != old, nil
	})
	if err != nil {
		t.Fatalf("still serving serial %s after %s (last: %s serial %s; %s): %v%s", old, s.opts.rotationTimeout,
			last.Expectation, serialOf(last), s.renewalState(context.WithoutCancel(ctx), gc), err, inlineSecretsHint(s.opts.cilium))
	}
	t.Logf("renewed serial %s served %s after the trigger (was %s)", serialOf(last), time.Since(start).Round(time.Second), old)
}

// podSnapshot returns uid and restart count of every Cilium agent, Envoy
// and workload pod.
func (s *suiteState) podSnapshot(ctx context.Context) (map[string]string, error) {
	sets := []struct{ ns, selector string }{
		{"kube-system", "k8s-app=cilium"},
		{"kube-system", "k8s-app=cilium-envoy"},
		{intercept.WorkloadNamespace, "app=" + intercept.WorkloadLabel},
	}
	snap := map[string]string{}
	for _, set := range sets {
		pods, err := s.cs.CoreV1().Pods(set.ns).List(ctx, metav1.ListOptions{LabelSelector: set.selector})
		if err != nil {
			return nil, fmt.Errorf("list pods %s in %s: %w", set.selector, set.ns, err)
		}
		for _, p := range pods.Items {
			var restarts int32
			for _, cs := range p.Status.ContainerStatuses {
				restarts += cs.RestartCount
			}
			snap[p.Namespace+"/"+p.Name] = fmt.Sprintf("%s/%d", p.UID, restarts)
		}
	}
	return snap, nil
}

// renewalState describes the serial in a group's secret and its
// Certificate's conditions, for a failure message.
func (s *suiteState) renewalState(ctx context.Context, gc groupCert) string {
	var parts []string
	if leaf, err := probe.LeafFromSecret(ctx, s.cs, gc.namespace, gc.secretName); err != nil {
		parts = append(parts, "secret: "+err.Error())
	} else {
		parts = append(parts, fmt.Sprintf("secret %s holds serial %s", gc.secret(), probe.SerialHex(leaf)))
	}
	c, err := s.dyn.Resource(resources.Certificates()).Namespace(gc.namespace).Get(ctx, gc.name, metav1.GetOptions{})
	if err != nil {
		return strings.Join(append(parts, "certificate: "+err.Error()), "; ")
	}
	return strings.Join(append(parts, "certificate "+gc.String()+" "+conditionsOf(c)), "; ")
}

// conditionsOf renders a resource's status conditions as type=status (reason: message).
func conditionsOf(c *unstructured.Unstructured) string {
	conds, _, _ := unstructured.NestedSlice(c.Object, "status", "conditions")
	var out []string
	for _, cond := range conds {
		m, ok := cond.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, fmt.Sprintf("%v=%v (%v: %v)", m["type"], m["status"], m["reason"], m["message"]))
	}
	if len(out) == 0 {
		return "has no conditions"
	}
	return "conditions " + strings.Join(out, ", ")
}

// inlineSecretsHint explains an unserved renewal on releases before 1.17,
// which send policy secrets to Envoy inline (no SDS) and read them again
// only when the endpoint's policy is recomputed (cilium/cilium#35513).
func inlineSecretsHint(v versions.Cilium) string {
	if v.AtLeast(17) {
		return ""
	}
	return fmt.Sprintf("\nCilium %s gives Envoy policy secrets %s. SDS, which serves renewals as they happen, came with 1.17. The matrix expects this failure on 1.16.",
		v, ciliumtls.RenewalDelivery(v))
}
