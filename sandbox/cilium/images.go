package cilium

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

//go:generate go run ../../cmd/genciliumimages -out images.json

// imagesJSON is the pinned image list of every served release
// (PinnedImages), written by cmd/genciliumimages.
//
//go:embed images.json
var imagesJSON []byte

// PinnedImages is the content of images.json: for each Cilium release the
// Go module proxy serves (versions.ServedReleases), the images its chart
// runs with the sandbox's Values, rendered from the chart in its module
// (install/kubernetes/cilium of github.com/cilium/cilium@vX) when the
// release was added. `sandbox plan` reads it, so its answer depends on no
// module or chart a machine happens to hold.
type PinnedImages struct {
	// Note says how the list was made and what it leaves out.
	Note string `json:"note"`
	// Releases maps "1.18.11" to its images, sorted.
	Releases map[string][]string `json:"releases"`
}

// placeholderCluster names the cluster in the values the images are
// rendered with: only k8sServiceHost depends on it, no image does.
const placeholderCluster = "cilium-tls-intercept"

// renderAPIVersions are the API groups the sandbox's clusters serve when
// Cilium is installed (cert-manager's and trust-manager's come with them).
func renderAPIVersions() []string {
	return []string{"cilium.io/v2", "cert-manager.io/v1", "trust.cert-manager.io/v1alpha1"}
}

// Pinned returns the pinned image lists (images.json).
func Pinned() (PinnedImages, error) {
	var p PinnedImages
	if err := json.Unmarshal(imagesJSON, &p); err != nil {
		return PinnedImages{}, fmt.Errorf("images.json: %w", err)
	}
	return p, nil
}

// Images returns the images Cilium release v's chart runs with the
// sandbox's values, from the pinned data; false when v is not pinned (a
// release the Go module proxy does not serve, or one newer than the
// project knows).
func Images(v versions.Cilium) ([]string, bool) {
	p, err := Pinned()
	if err != nil {
		return nil, false // covered by TestEveryServedReleaseIsPinned
	}
	imgs, ok := p.Releases[v.String()]
	return slices.Clone(imgs), ok
}

// RenderImages renders c, Cilium release v's chart, with the sandbox's
// values for v and the node image's Kubernetes version, and returns the
// images its workloads run, sorted: what images.json pins, and what plan
// lists for a chart in the chart cache that is not pinned.
func RenderImages(ctx context.Context, v versions.Cilium, c *chart.Chart) ([]string, error) {
	out, err := release.Render(ctx, release.RenderInput{
		Chart: c, ReleaseName: ReleaseName, Namespace: Namespace,
		Values:      Values(v, ValuesInput{ClusterName: placeholderCluster}),
		KubeVersion: versions.NodeImageFor(v).Kubernetes, APIVersions: renderAPIVersions(),
	})
	if err != nil {
		return nil, fmt.Errorf("render cilium %s: %w", v, err)
	}
	objs, err := out.Objects()
	if err != nil {
		return nil, fmt.Errorf("render cilium %s: %w", v, err)
	}
	return images.FromObjects(objs), nil
}
