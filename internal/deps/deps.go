//go:build deps

// Package deps pins the modules the project is built from while packages
// that import them are being written; `go mod tidy` keeps what it imports.
package deps

import (
	_ "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	_ "github.com/cilium/cilium/api/v1/observer"
	_ "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/client/crds/v2"
	_ "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	_ "github.com/cilium/cilium/pkg/policy/api"
	_ "github.com/spf13/cobra"
	_ "github.com/testcontainers/testcontainers-go"
	_ "github.com/testcontainers/testcontainers-go/network"
	_ "helm.sh/helm/v3/pkg/action"
	_ "helm.sh/helm/v3/pkg/kube/fake"
	_ "helm.sh/helm/v3/pkg/lint"
	_ "helm.sh/helm/v3/pkg/storage/driver"
	_ "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/kubernetes/fake"
	_ "k8s.io/client-go/tools/portforward"
	_ "k8s.io/client-go/tools/remotecommand"
	_ "sigs.k8s.io/controller-runtime/pkg/client"
	_ "sigs.k8s.io/controller-runtime/pkg/envtest"
	_ "sigs.k8s.io/e2e-framework/pkg/env"
	_ "sigs.k8s.io/e2e-framework/pkg/features"
	_ "sigs.k8s.io/kind/pkg/cluster"
	_ "sigs.k8s.io/kind/pkg/cluster/nodeutils"
)
