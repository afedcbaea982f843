package main

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// standInAPIServer is controller-runtime's fake client standing in for the
// API server the operator writes to, with the one check of the API
// server's that the operator's secret sync can run into added (the fake
// makes none): a Secret's type is immutable (Kubernetes'
// pkg/apis/core/validation ValidateSecretUpdate: "field is immutable").
// Every write is recorded.
type standInAPIServer struct {
	client.WithWatch
	mu    sync.Mutex
	calls []wire.APICall
}

// newStandInAPIServer returns a fake holding objs, for a scheme with
// Kubernetes' types and those addToScheme adds (Cilium's).
func newStandInAPIServer(addToScheme func(*runtime.Scheme) error, objs ...client.Object) (*standInAPIServer, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := addToScheme(scheme); err != nil {
		return nil, err
	}
	s := &standInAPIServer{}
	s.WithWatch = fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithInterceptorFuncs(interceptor.Funcs{
			Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
				return s.record("create", obj, c.Create(ctx, obj, opts...))
			},
			Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
				if err := immutableSecretType(ctx, c, obj); err != nil {
					return s.record("update", obj, err)
				}
				return s.record("update", obj, c.Update(ctx, obj, opts...))
			},
			Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
				if err := immutableSecretType(ctx, c, obj); err != nil {
					return s.record("patch", obj, err)
				}
				return s.record("patch", obj, c.Patch(ctx, obj, patch, opts...))
			},
			Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
				return s.record("delete", obj, c.Delete(ctx, obj, opts...))
			},
		}).Build()
	return s, nil
}

// immutableSecretType refuses to change an existing Secret's type, as the
// API server does.
func immutableSecretType(ctx context.Context, c client.Client, obj client.Object) error {
	next, ok := obj.(*corev1.Secret)
	if !ok {
		return nil
	}
	cur := &corev1.Secret{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
		return nil // the write itself says what is wrong
	}
	if next.Type != "" && next.Type != cur.Type {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Secret").GroupKind(), obj.GetName(),
			field.ErrorList{field.Invalid(field.NewPath("type"), next.Type, "field is immutable")})
	}
	return nil
}

func (s *standInAPIServer) record(verb string, obj client.Object, err error) error {
	call := wire.APICall{Verb: verb, Kind: fmt.Sprintf("%T", obj), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	if _, ok := obj.(*corev1.Secret); ok {
		call.Kind = "Secret"
	}
	if err != nil {
		call.Error = err.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	return err
}

// recorded returns the writes so far.
func (s *standInAPIServer) recorded() []wire.APICall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]wire.APICall{}, s.calls...)
}
