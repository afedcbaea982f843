package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/cilium/hive"
	"github.com/spf13/pflag"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/defaults"
	"github.com/cilium/cilium/pkg/option"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// ciliumConfig is a cilium-config ConfigMap's data: flag names to values.
type ciliumConfig map[string]string

// with returns a copy of c with over's keys set.
func (c ciliumConfig) with(over ciliumConfig) ciliumConfig {
	out := maps.Clone(c)
	if out == nil {
		out = ciliumConfig{}
	}
	maps.Copy(out, over)
	return out
}

// boolean reads key as the agent's flag parser does, def when unset.
func (c ciliumConfig) boolean(key string, def bool) bool {
	v, ok := c[key]
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def
	}
	return b
}

// str reads key, def when unset.
func (c ciliumConfig) str(key, def string) string {
	if v, ok := c[key]; ok {
		return v
	}
	return def
}

// apply merges c into h's configuration, as the agent and the operator
// merge the files of their --config-dir (the mounted cilium-config) with
// option.MergeConfig. Keys no cell of h registers are ignored, as there;
// every key of required must be registered, so that a misspelt override
// fails instead of doing nothing.
func (c ciliumConfig) apply(h *hive.Hive, required ciliumConfig) error {
	flags := pflag.NewFlagSet("", pflag.ContinueOnError)
	h.RegisterFlags(flags)
	for _, k := range slices.Sorted(maps.Keys(required)) {
		if flags.Lookup(k) == nil {
			return fmt.Errorf("setting %s=%q: no cell registers flag %q", k, required[k], k)
		}
	}
	m := make(map[string]interface{}, len(c))
	for k, v := range c.with(required) {
		m[k] = v
	}
	return option.MergeConfig(h.Viper(), m)
}

// daemonConfig sets the fields of the agent's global configuration
// (option.Config) that the pieces run here read, from c as the agent's
// option.Config.Populate reads them at start, with the agent's flag
// defaults for keys c lacks. The agent populates every field from its
// whole flag set (daemon/cmd), which links the whole agent; only these
// are read here. Some are overridden because nothing but this process
// runs (named in the returned settings): the run and state directories,
// and external-envoy-proxy, so that the xDS server never starts an
// embedded Envoy.
func daemonConfig(c ciliumConfig, runDir string) []wire.Setting {
	cfg := option.Config
	cfg.EnableL7Proxy = c.boolean(option.EnableL7Proxy, true)
	cfg.EnableIPv4 = c.boolean(option.EnableIPv4Name, true)
	cfg.EnableIPv6 = c.boolean(option.EnableIPv6Name, false)
	cfg.IdentityAllocationMode = c.str(option.IdentityAllocationMode, option.IdentityAllocationModeCRD)
	if id, err := strconv.ParseUint(c.str(cmtypes.OptClusterID, "0"), 10, 32); err == nil {
		cfg.ClusterID = uint32(id)
	}
	cfg.ClusterName = c.str(cmtypes.OptClusterName, defaults.ClusterName)
	if ttl, err := strconv.Atoi(c.str(option.ToFQDNsMinTTL, "0")); err == nil {
		cfg.ToFQDNsMinTTL = ttl
	}
	cfg.DNSProxyLockCount = 131
	cfg.EnableWellKnownIdentities = c.boolean(option.EnableWellKnownIdentities, defaults.EnableWellKnownIdentities)
	cfg.RunDir, cfg.StateDir = runDir, runDir
	cfg.K8sNamespace = ciliumNamespace
	cfg.ExternalEnvoyProxy = true
	cfg.EnableEnvoyConfig = false
	cfg.DryMode = true
	return []wire.Setting{
		{Key: option.EnableL7Proxy, Value: strconv.FormatBool(cfg.EnableL7Proxy)},
		{Key: option.EnableIPv4Name, Value: strconv.FormatBool(cfg.EnableIPv4)},
		{Key: option.EnableIPv6Name, Value: strconv.FormatBool(cfg.EnableIPv6)},
		{Key: option.IdentityAllocationMode, Value: cfg.IdentityAllocationMode},
		{Key: cmtypes.OptClusterName, Value: cfg.ClusterName},
		{Key: option.ExternalEnvoyProxy, Value: "true (overridden: no Envoy runs here)"},
	}
}

// ciliumNamespace is the namespace Cilium's chart installs into, which the
// agent reads from its environment.
const ciliumNamespace = "kube-system"

// runDirectory makes the agent's run and state directory, where its xDS
// and access log servers' sockets live.
func runDirectory() (string, error) {
	dir, err := os.MkdirTemp("", "cilium-helper-")
	if err != nil {
		return "", err
	}
	return dir, os.MkdirAll(filepath.Join(dir, "envoy", "sockets"), 0o750)
}
