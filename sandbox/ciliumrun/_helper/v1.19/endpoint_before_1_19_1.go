//go:build !since_1_19_1

package main

// MapStateSize returns 0: there is no earlier policy.
func (e *standInEndpoint) MapStateSize() int { return 0 }
