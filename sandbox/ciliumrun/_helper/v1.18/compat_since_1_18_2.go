//go:build since_1_18_2

package main

import envoyconfig "github.com/cilium/cilium/pkg/envoy/config"

// proxyConfig is the Envoy cell's configuration (pkg/envoy/config from 1.18.2).
type proxyConfig = envoyconfig.ProxyConfig
