//go:build linux

package agent

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/cilium/hive"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium/cilium/pkg/option"
)

// ConfigMapName is the ConfigMap Cilium's chart writes the agent's and
// operator's configuration into, in Cilium's namespace.
const ConfigMapName = "cilium-config"

// Config is a Cilium configuration: flag names to values, as the
// cilium-config ConfigMap holds them.
type Config map[string]string

// ReadConfig reads the cilium-config ConfigMap from namespace ns.
func ReadConfig(ctx context.Context, cs kubernetes.Interface, ns string) (Config, error) {
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, ConfigMapName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read %s/%s: %w", ns, ConfigMapName, err)
	}
	return Config(cm.Data), nil
}

// ConfigFromObject returns the data of a rendered cilium-config ConfigMap.
func ConfigFromObject(cm *corev1.ConfigMap) Config { return Config(cm.Data) }

// With returns a copy of c with over's keys set.
func (c Config) With(over Config) Config {
	out := maps.Clone(c)
	if out == nil {
		out = Config{}
	}
	maps.Copy(out, over)
	return out
}

// apply merges c into h's configuration, as the agent and the operator
// merge the files of their --config-dir (the mounted cilium-config) with
// option.MergeConfig. Keys no cell of h registers are ignored, as there;
// every key of required must be registered, so that a misspelt override
// fails instead of doing nothing.
func (c Config) apply(h *hive.Hive, required Config) error {
	flags := pflag.NewFlagSet("", pflag.ContinueOnError)
	h.RegisterFlags(flags)
	for _, k := range slices.Sorted(maps.Keys(required)) {
		if flags.Lookup(k) == nil {
			return fmt.Errorf("setting %s=%q: no cell registers flag %q", k, required[k], k)
		}
	}
	m := make(map[string]any, len(c))
	for k, v := range c.With(required) {
		m[k] = v
	}
	return option.MergeConfig(h.Viper(), m)
}

// emptyDir makes a directory that stays empty, for the agent's
// certificates-directory: the certificate manager reads policy secrets
// from files there before asking the API server, and must find none.
func emptyDir() (string, error) {
	return os.MkdirTemp("", "cilium-agent-certs-")
}
