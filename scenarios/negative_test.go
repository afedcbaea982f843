package scenarios

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// negativeLabel labels the control pod; the policies select app=intercept-workload only.
const negativeLabel = "intercept-negative-control"

// negativePodKey holds the control pod's target in the feature's context.
type negativePodKey struct{}

func TestNegativeControl(t *testing.T) {
	requireDataPath(t)
	f := features.New("negative-control").WithLabel(scenario.Label, scenario.NegativeControl).
		Setup(func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			target, err := suite.startNegativePod(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return context.WithValue(ctx, negativePodKey{}, target)
		}).
		Assess("a pod without the workload labels gets the public chain", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			target := ctx.Value(negativePodKey{}).(podexec.Target)
			suite.expectPublic(ctx, t, target, githubMeta)
			return ctx
		}).
		Teardown(func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			if target, ok := ctx.Value(negativePodKey{}).(podexec.Target); ok {
				err := suite.cs.CoreV1().Pods(target.Namespace).Delete(ctx, target.Pod, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
				if err != nil {
					t.Errorf("delete control pod: %v", err)
				}
			}
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// deniedHost is a name in no group and not passed through. Its addresses
// are not shared with a test host (example.org is not used: it shares
// example.com's, which is passed through). Offline it has a fake upstream
// of its own (offlineHosts), so a timeout means the policies dropped the
// connection, as on the internet.
const deniedHost = "www.wikipedia.org"

// deniedProbeTime bounds the probe of deniedHost: a dropped connection
// costs the whole curl --max-time.
const deniedProbeTime = 5 * time.Second

func TestDefaultDeny(t *testing.T) {
	requireDataPath(t)
	f := features.New("default-deny").WithLabel(scenario.Label, scenario.DefaultDeny).
		Assess(deniedHost+", in no policy, is dropped: curl times out", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.expectWithin(ctx, t, suite.workload, request{"GET", deniedHost, "/"}, probe.Timeout, deniedProbeTime)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// startNegativePod creates a pod in the workload namespace running the
// workload's own curl image, without its labels, and waits until it is ready.
func (s *suiteState) startNegativePod(ctx context.Context) (podexec.Target, error) {
	d, err := s.cs.AppsV1().Deployments(intercept.WorkloadNamespace).Get(ctx, intercept.WorkloadLabel, metav1.GetOptions{})
	if err != nil {
		return podexec.Target{}, fmt.Errorf("read the workload's image: %w", err)
	}
	pod := negativePod(d)
	created, err := s.cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return podexec.Target{}, fmt.Errorf("create control pod: %w", err)
	}
	target := podexec.Target{Namespace: created.Namespace, Pod: created.Name, Container: workloadContainer}
	if s.opts.provider == providerAgent {
		return target, nil // no kubelet runs it: the agent's stand-in endpoint carries its labels
	}
	if _, err := waitReadyPod(ctx, s.cs, created.Namespace, "app="+negativeLabel, s.opts.waitTime); err != nil {
		return podexec.Target{}, err
	}
	return target, nil
}

// negativePod is a curl pod like the workload's, labelled so no policy selects it.
func negativePod(d *appsv1.Deployment) *corev1.Pod {
	c := d.Spec.Template.Spec.Containers[0]
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: negativeLabel + "-",
			Namespace:    d.Namespace,
			Labels:       map[string]string{"app": negativeLabel},
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  ptr.To(false),
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			SecurityContext:               d.Spec.Template.Spec.SecurityContext,
			Containers: []corev1.Container{{
				Name:            workloadContainer,
				Image:           c.Image,
				ImagePullPolicy: c.ImagePullPolicy,
				Command:         []string{"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"},
				SecurityContext: c.SecurityContext,
			}},
		},
	}
}
