package pipeline

import (
	"context"
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
)

// ciliumImages fills the Cilium release's images from the data pinned when
// the release was added (cilium.Images), never from the Go module cache, so
// the plan is the same on every machine. A release that is not pinned (one
// the module proxy does not serve, or a newer one) is rendered from the
// chart cache when `up` downloaded it there; otherwise its images are left
// out. It returns the plan's note about where the list came from.
func ciliumImages(ctx context.Context, r *resolved, rp *ReleasePlan) (string, error) {
	if imgs, ok := cilium.Images(r.cilium); ok {
		rp.Images = imgs
		return fmt.Sprintf("images of %s are the ones pinned for Cilium %s when the release was added (sandbox/cilium/images.json, from its chart's source); Cilium's own images are listed by tag: the chart %s publishes pins their digests too",
			rp.Release, r.cilium, cilium.ChartRepo), nil
	}
	file := rp.Source.CacheFile(r.ChartCacheDir)
	if _, err := os.Stat(file); err != nil {
		return fmt.Sprintf("images of %s are not listed: Cilium %s has no pinned image list (the Go module proxy does not serve its source, or it is newer than the releases this project knows) and chart %s %s is not in %s; `sandbox up` downloads it",
			rp.Release, r.cilium, rp.Source.Name, rp.Source.Version, r.ChartCacheDir), nil
	}
	c, err := loader.Load(file)
	if err != nil {
		return "", fmt.Errorf("release %s: load %s: %w", rp.Release, file, err)
	}
	if rp.Images, err = cilium.RenderImages(ctx, r.cilium, c); err != nil {
		return "", fmt.Errorf("release %s: %w", rp.Release, err)
	}
	return fmt.Sprintf("images of %s are rendered from %s: Cilium %s has no pinned image list", rp.Release, file, r.cilium), nil
}
