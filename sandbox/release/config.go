package release

import (
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// NewConfiguration returns Helm's action configuration for releases in
// namespace of the cluster in kubeconfigPath, with release records stored in
// Secrets (Helm's default). debugf receives Helm's debug log (nil drops it).
func NewConfiguration(kubeconfigPath, namespace string, debugf func(format string, v ...any)) (*action.Configuration, error) {
	return NewConfigurationFor(kubeconfigPath, "", namespace, debugf)
}

// NewConfigurationFor is NewConfiguration for the context kubeContext of the
// kubeconfig ("" for its current context). An empty kubeconfigPath follows
// client-go's loading rules ($KUBECONFIG, else ~/.kube/config).
func NewConfigurationFor(kubeconfigPath, kubeContext, namespace string, debugf func(format string, v ...any)) (*action.Configuration, error) {
	flags := genericclioptions.NewConfigFlags(false)
	if kubeconfigPath != "" {
		flags.KubeConfig = &kubeconfigPath
	}
	if kubeContext != "" {
		flags.Context = &kubeContext
	}
	flags.Namespace = &namespace
	if debugf == nil {
		debugf = func(string, ...any) {}
	}
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, namespace, "secret", debugf); err != nil {
		return nil, fmt.Errorf("helm configuration for %s: %w", kubeconfigPath, err)
	}
	return cfg, nil
}
