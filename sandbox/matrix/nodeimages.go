package matrix

import (
	"fmt"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Where a combination's node image came from.
const (
	NodeImageFromPairing  = "pairing"  // versions.NodeImageFor
	NodeImageFromOverride = "override" // --node-image
)

// nodeImageOverrides are parsed --node-image values.
type nodeImageOverrides struct {
	all     string            // REF for every release
	byMinor map[string]string // "1.18" -> REF
	byExact map[string]string // "1.18.10" -> REF
}

// parseNodeImages parses "REF", "1.18=REF" or "1.18.10=REF" entries. A
// reference is an image name with a tag or digest and no spaces.
func parseNodeImages(in []string) (nodeImageOverrides, error) {
	o := nodeImageOverrides{byMinor: map[string]string{}, byExact: map[string]string{}}
	for _, entry := range in {
		key, ref, scoped := strings.Cut(entry, "=")
		if !scoped {
			key, ref = "", entry
		}
		if err := checkImageRef(ref); err != nil {
			return o, fmt.Errorf("invalid --node-image %q: %w", entry, err)
		}
		if !scoped {
			o.all = ref
			continue
		}
		v, err := versions.ParseCilium(key)
		if err != nil {
			return o, fmt.Errorf("invalid --node-image %q: %w", entry, err)
		}
		if strings.Count(strings.TrimPrefix(key, "v"), ".") == 1 {
			o.byMinor[v.MinorString()] = ref
		} else {
			o.byExact[v.String()] = ref
		}
	}
	return o, nil
}

func checkImageRef(ref string) error {
	switch {
	case ref == "":
		return fmt.Errorf("empty image reference")
	case strings.ContainsAny(ref, " \t\n"):
		return fmt.Errorf("image reference %q contains spaces", ref)
	case !strings.ContainsAny(ref, ":@"):
		return fmt.Errorf("image reference %q has no tag or digest, for example kindest/node:v1.35.8", ref)
	}
	return nil
}

// pick returns v's node image: the most specific override, else the
// pinned pairing.
func (o nodeImageOverrides) pick(v versions.Cilium) (versions.NodeImage, string) {
	for _, ref := range []string{o.byExact[v.String()], o.byMinor[v.MinorString()], o.all} {
		if ref != "" {
			return versions.NodeImage{Kubernetes: kubernetesOf(ref), Ref: ref}, NodeImageFromOverride
		}
	}
	return versions.NodeImageFor(v), NodeImageFromPairing
}

// kubernetesOf reads the Kubernetes version from a kindest/node tag
// ("kindest/node:v1.35.8@sha256:..." -> "v1.35.8"); "" when it has none.
func kubernetesOf(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ""
	}
	tag := ref[i+1:]
	if strings.HasPrefix(tag, "v1.") {
		return tag
	}
	return ""
}
