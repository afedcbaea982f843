package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// ErrNotReady means a wait ended before the workloads were ready; the
// error's text holds what was last observed.
var ErrNotReady = errors.New("not ready")

// WorkloadKind is the kind of a workload whose rollout is awaited.
type WorkloadKind string

// Workload kinds Rollout understands.
const (
	DaemonSet  WorkloadKind = "DaemonSet"
	Deployment WorkloadKind = "Deployment"
)

// Workload names a DaemonSet or Deployment by name, or every one matching
// Selector in Namespace (at least one must exist).
type Workload struct {
	Kind      WorkloadKind
	Namespace string
	Name      string
	Selector  string
}

func (w Workload) String() string {
	if w.Name != "" {
		return fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name)
	}
	return fmt.Sprintf("%s %s -l %s", w.Kind, w.Namespace, w.Selector)
}

// errUnknownKind is a Workload of a kind Rollout does not know: a bug, not
// a state to wait out.
var errUnknownKind = errors.New("unknown kind")

// PollInterval is how often readiness waits look again.
const PollInterval = 2 * time.Second

// WaitRollout waits until every workload has all its pods updated and ready.
// An API error (a connection reset while Cilium programs the node, an API
// server restarting) counts as "not ready yet", except one that retrying
// cannot cure (see Transient). On timeout or cancellation the error wraps
// ErrNotReady and describes the state each unready workload was last seen
// in, or the last error reading it.
func WaitRollout(ctx context.Context, cs kubernetes.Interface, timeout time.Duration, workloads ...Workload) error {
	var observed []string
	err := wait.PollUntilContextTimeout(ctx, PollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		observed = observed[:0]
		for _, w := range workloads {
			desc, err := rolloutState(ctx, cs, w)
			if err != nil && !Transient(err) {
				return false, err
			}
			if err != nil {
				desc = fmt.Sprintf("%s: not read: %v", w, err)
			}
			if desc != "" {
				observed = append(observed, desc)
			}
		}
		return len(observed) == 0, nil
	})
	if err != nil && len(observed) > 0 {
		if ctx.Err() != nil { // interrupted, not timed out
			return fmt.Errorf("wait for rollout: %w; still %w: %s", ctx.Err(), ErrNotReady, strings.Join(observed, "; "))
		}
		return fmt.Errorf("%w after %s: %s", ErrNotReady, timeout, strings.Join(observed, "; "))
	}
	if err != nil {
		return fmt.Errorf("wait for rollout: %w", err)
	}
	return nil
}

// Transient reports whether a wait should look again after err: API
// errors count as "not ready yet" (connection resets, timeouts, an API
// server restarting or throttling, a resource whose CRD is not served
// yet), except those retrying cannot cure: a request the server refuses as
// forbidden, unauthorized, bad or invalid, and a workload of a kind
// WaitRollout does not know.
func Transient(err error) bool {
	switch {
	case apierrors.IsForbidden(err), apierrors.IsUnauthorized(err), apierrors.IsBadRequest(err),
		apierrors.IsInvalid(err), apierrors.IsMethodNotSupported(err), apierrors.IsNotAcceptable(err),
		apierrors.IsUnsupportedMediaType(err), errors.Is(err, errUnknownKind):
		return false
	}
	return true
}

// RolloutState returns "" when w is rolled out, otherwise what is missing,
// from one observation. Missing objects are reported, not returned as errors.
func RolloutState(ctx context.Context, cs kubernetes.Interface, w Workload) (string, error) {
	return rolloutState(ctx, cs, w)
}

// rolloutState returns "" when w is ready, otherwise what is missing.
// Not-found objects are reported, not returned as errors: they may appear.
func rolloutState(ctx context.Context, cs kubernetes.Interface, w Workload) (string, error) {
	switch w.Kind {
	case DaemonSet:
		return daemonSetState(ctx, cs, w)
	case Deployment:
		return deploymentState(ctx, cs, w)
	default:
		return "", fmt.Errorf("workload %s: %w %q", w, errUnknownKind, w.Kind)
	}
}

func daemonSetState(ctx context.Context, cs kubernetes.Interface, w Workload) (string, error) {
	ds, err := cs.AppsV1().DaemonSets(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return w.String() + ": not found", nil
	}
	if err != nil {
		return "", fmt.Errorf("get %s: %w", w, err)
	}
	return DaemonSetState(ds), nil
}

// DaemonSetState returns "" when the DaemonSet's current generation is
// rolled out on every scheduled node, otherwise its counts.
func DaemonSetState(ds *appsv1.DaemonSet) string {
	s := ds.Status
	if s.ObservedGeneration >= ds.Generation && s.DesiredNumberScheduled > 0 &&
		s.UpdatedNumberScheduled == s.DesiredNumberScheduled && s.NumberReady == s.DesiredNumberScheduled {
		return ""
	}
	return fmt.Sprintf("DaemonSet %s/%s: %d/%d ready, %d updated", ds.Namespace, ds.Name, s.NumberReady, s.DesiredNumberScheduled, s.UpdatedNumberScheduled)
}

func deploymentState(ctx context.Context, cs kubernetes.Interface, w Workload) (string, error) {
	var items []appsv1.Deployment
	if w.Name != "" {
		d, err := cs.AppsV1().Deployments(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return w.String() + ": not found", nil
		}
		if err != nil {
			return "", fmt.Errorf("get %s: %w", w, err)
		}
		items = append(items, *d)
	} else {
		list, err := cs.AppsV1().Deployments(w.Namespace).List(ctx, metav1.ListOptions{LabelSelector: w.Selector})
		if err != nil {
			return "", fmt.Errorf("list %s: %w", w, err)
		}
		if len(list.Items) == 0 {
			return w.String() + ": none found", nil
		}
		items = list.Items
	}
	var states []string
	for i := range items {
		if s := DeploymentState(&items[i]); s != "" {
			states = append(states, s)
		}
	}
	return strings.Join(states, "; "), nil
}

// DeploymentState returns "" when the Deployment's current generation is
// rolled out and all replicas are available, otherwise its counts.
func DeploymentState(d *appsv1.Deployment) string {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	if s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.AvailableReplicas == want && s.Replicas == want {
		return ""
	}
	return fmt.Sprintf("Deployment %s/%s: %d/%d available, %d updated, %d total", d.Namespace, d.Name, s.AvailableReplicas, want, s.UpdatedReplicas, s.Replicas)
}
