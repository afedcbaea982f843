package versions

import (
	"fmt"
	"strings"
)

// ImageTag returns the tag of an image reference, "repo/name:tag@sha256:..."
// giving "tag"; "" when the reference has no tag (a registry port is not one).
func ImageTag(image string) string {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[i+1:]
	}
	return ""
}

// CiliumFromImage reads the Cilium release an agent runs from its image's
// tag ("quay.io/cilium/cilium:v1.18.10@sha256:..." is 1.18.10), as
// ParseCilium parses it. An image without a version tag (a digest only, or
// "latest") is an error naming the image.
func CiliumFromImage(image string) (Cilium, error) {
	tag := ImageTag(image)
	if tag == "" {
		return Cilium{}, fmt.Errorf("image %q has no version tag to read the Cilium release from", image)
	}
	v, err := ParseCilium(tag)
	if err != nil {
		return Cilium{}, fmt.Errorf("image %q: %w", image, err)
	}
	return v, nil
}
