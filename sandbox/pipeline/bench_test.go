package pipeline

import (
	"context"
	"testing"
)

// BenchmarkBuildPlan measures the offline plan: option checks, values for
// four releases, and rendering every chart available offline for its images.
func BenchmarkBuildPlan(b *testing.B) {
	cache := b.TempDir()
	for b.Loop() {
		if _, err := BuildPlan(context.Background(), Options{ChartCacheDir: cache}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReleasesFor measures building the releases' values alone.
func BenchmarkReleasesFor(b *testing.B) {
	r, err := resolve(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := releasesFor(r); err != nil {
			b.Fatal(err)
		}
	}
}
