package ciliumstate

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
)

// Apply creates objs (from Objects) in the cluster, replacing objects of
// the same names, and writes the DaemonSets' and Deployments' ready status.
// The Namespace objects are created only when missing.
func Apply(ctx context.Context, kube kubernetes.Interface, objs []runtime.Object) error {
	for _, o := range objs {
		if err := apply(ctx, kube, o); err != nil {
			return err
		}
	}
	return nil
}

func apply(ctx context.Context, kube kubernetes.Interface, obj runtime.Object) error {
	var err error
	switch o := obj.DeepCopyObject().(type) {
	case *corev1.Namespace:
		_, err = kube.CoreV1().Namespaces().Create(ctx, o, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	case *corev1.ConfigMap:
		c := kube.CoreV1().ConfigMaps(o.Namespace)
		_ = c.Delete(ctx, o.Name, metav1.DeleteOptions{})
		_, err = c.Create(ctx, o, metav1.CreateOptions{})
	case *rbacv1.ClusterRole:
		c := kube.RbacV1().ClusterRoles()
		_ = c.Delete(ctx, o.Name, metav1.DeleteOptions{})
		_, err = c.Create(ctx, o, metav1.CreateOptions{})
	case *appsv1.DaemonSet:
		c := kube.AppsV1().DaemonSets(o.Namespace)
		_ = c.Delete(ctx, o.Name, metav1.DeleteOptions{})
		var got *appsv1.DaemonSet
		if got, err = c.Create(ctx, o, metav1.CreateOptions{}); err == nil {
			MarkReady(got)
			_, err = c.UpdateStatus(ctx, got, metav1.UpdateOptions{})
		}
	case *appsv1.Deployment:
		c := kube.AppsV1().Deployments(o.Namespace)
		_ = c.Delete(ctx, o.Name, metav1.DeleteOptions{})
		var got *appsv1.Deployment
		if got, err = c.Create(ctx, o, metav1.CreateOptions{}); err == nil {
			MarkReady(got)
			_, err = c.UpdateStatus(ctx, got, metav1.UpdateOptions{})
		}
	default:
		err = fmt.Errorf("ciliumstate: cannot apply %T", o)
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", obj.GetObjectKind().GroupVersionKind().Kind, err)
	}
	return nil
}

// Remove deletes the objects Apply created, but not the Namespaces.
func Remove(ctx context.Context, kube kubernetes.Interface, objs []runtime.Object) error {
	var errs []error
	for _, obj := range objs {
		var err error
		switch o := obj.(type) {
		case *corev1.ConfigMap:
			err = kube.CoreV1().ConfigMaps(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{})
		case *rbacv1.ClusterRole:
			err = kube.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
		case *appsv1.DaemonSet:
			err = kube.AppsV1().DaemonSets(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{})
		case *appsv1.Deployment:
			err = kube.AppsV1().Deployments(o.Namespace).Delete(ctx, o.Name, metav1.DeleteOptions{})
		}
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pollInterval is how often the stand-in operator looks again.
const pollInterval = 200 * time.Millisecond
