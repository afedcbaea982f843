//go:build !linux

package ciliumrun

import "context"

// lockRelease takes no lock: helpers build on Linux only, and Ensure
// refuses other systems before it locks.
func (b *Builder) lockRelease(context.Context, string) (func(), error) { return func() {}, nil }
