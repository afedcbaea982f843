//go:build !since_1_20_2

package main

import "github.com/cilium/cilium/pkg/policy"

// PreviousMapState returns nil: there is no earlier policy.
func (e *standInEndpoint) PreviousMapState() *policy.MapState { return nil }
