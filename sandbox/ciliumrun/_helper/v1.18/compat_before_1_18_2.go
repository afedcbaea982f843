//go:build !since_1_18_2

package main

import "github.com/cilium/cilium/pkg/envoy"

// proxyConfig is the Envoy cell's configuration (in pkg/envoy before 1.18.2).
type proxyConfig = envoy.ProxyConfig
