package images

import (
	"fmt"
	"sort"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Image is a parsed image reference.
type Image struct {
	// Ref is the reference as written in the manifest.
	Ref string `json:"ref"`
	// Name is the fully qualified repository ("docker.io/curlimages/curl").
	Name string `json:"-"`
	// Tag and Digest are empty when the reference has none.
	Tag    string `json:"-"`
	Digest string `json:"-"`
}

// Parse parses an image reference, qualifying Docker Hub names the way
// containerd does.
func Parse(ref string) (Image, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return Image{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	img := Image{Ref: ref, Name: named.Name()}
	if t, ok := named.(reference.Tagged); ok {
		img.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		img.Digest = d.Digest().String()
	}
	if img.Tag == "" && img.Digest == "" {
		img.Tag = "latest"
	}
	return img, nil
}

// Tagged is Name:Tag, or "" when the reference has only a digest.
func (i Image) Tagged() string {
	if i.Tag == "" {
		return ""
	}
	return i.Name + ":" + i.Tag
}

// Pinned is Name@Digest, or "" when the reference has no digest.
func (i Image) Pinned() string {
	if i.Digest == "" {
		return ""
	}
	return i.Name + "@" + i.Digest
}

// podSpecPaths are where workload kinds keep their pod spec.
func podSpecPaths() map[string][]string {
	template := []string{"spec", "template", "spec"}
	return map[string][]string{
		"Pod":         {"spec"},
		"Deployment":  template,
		"DaemonSet":   template,
		"StatefulSet": template,
		"ReplicaSet":  template,
		"Job":         template,
		"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
	}
}

// FromObjects returns every image the objects' pods run (containers, init
// containers and ephemeral containers), each once, sorted.
func FromObjects(objs []*unstructured.Unstructured) []string {
	set := map[string]bool{}
	paths := podSpecPaths()
	for _, o := range objs {
		path, ok := paths[o.GetKind()]
		if !ok {
			continue
		}
		spec, found, _ := unstructured.NestedMap(o.Object, path...)
		if !found {
			continue
		}
		for _, field := range []string{"initContainers", "containers", "ephemeralContainers"} {
			list, _, _ := unstructured.NestedSlice(spec, field)
			for _, c := range list {
				if m, ok := c.(map[string]any); ok {
					if img, ok := m["image"].(string); ok && img != "" {
						set[img] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for img := range set {
		out = append(out, img)
	}
	sort.Strings(out)
	return out
}
