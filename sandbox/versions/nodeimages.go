package versions

import (
	"fmt"
	"regexp"

	"github.com/distribution/reference"
)

// NodeImage is a kind node image paired with a Cilium release.
type NodeImage struct {
	// Kubernetes is the node's Kubernetes version, for example "v1.35.8".
	Kubernetes string `json:"kubernetes"`
	// Ref is the image reference pinned by digest.
	Ref string `json:"ref"`
	// KindRelease is the kind release whose release notes list Ref.
	KindRelease string `json:"kindRelease"`
	// Note says why the pairing is what it is where that is not obvious.
	Note string `json:"note,omitempty"`
}

// nodeImages pairs each supported Cilium minor with a kind node image of the
// Kubernetes minor Cilium's own kind CI runs it on (1.30, 1.32, 1.33, 1.35,
// 1.36), checked for every default patch (TestNodeImagesFollowCiliumCI reads
// the KIND_K8S_IMAGE of .github/actions/set-env-variables in its module). Where kind v0.33.0 (the kind library in go.mod) ships that minor the
// image comes from its release notes; otherwise from the newest kind release
// that built it. Digests are copied from kind's release notes, never guessed.
//
// 1.19 is the one pairing outside its release's tested list: Cilium 1.19.7's
// requirements page (Documentation/network/kubernetes/requirements.rst)
// lists Kubernetes 1.31 to 1.34 as tested, while its own kind CI
// (.github/actions/set-env-variables) runs v1.35.0 (as 1.19.5's did). The sandbox follows the
// CI, whose kind setup it reproduces; choosing v1.34.x instead would need a
// digest for it from kind's release notes, which cannot be checked here.
func nodeImages() map[int]NodeImage {
	return map[int]NodeImage{
		16: {Kubernetes: "v1.30.13", KindRelease: "v0.29.0",
			Ref: "kindest/node:v1.30.13@sha256:397209b3d947d154f6641f2d0ce8d473732bd91c87d9575ade99049aa33cd648"},
		17: {Kubernetes: "v1.32.8", KindRelease: "v0.30.0",
			Ref: "kindest/node:v1.32.8@sha256:abd489f042d2b644e2d033f5c2d900bc707798d075e8186cb65e3f1367a9d5a1"},
		18: {Kubernetes: "v1.33.4", KindRelease: "v0.30.0",
			Ref: "kindest/node:v1.33.4@sha256:25a6018e48dfcaee478f4a59af81157a437f15e6e140bf103f85a2e7cd0cbbf2"},
		19: {Kubernetes: "v1.35.8", KindRelease: "v0.33.0",
			Ref:  "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
			Note: "Cilium 1.19.7 lists Kubernetes 1.31 to 1.34 as tested; its own kind CI runs v1.35.0, which this pairing follows"},
		20: {Kubernetes: "v1.36.4", KindRelease: "v0.33.0",
			Ref: "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed"},
	}
}

// NodeImageFor returns the kind node image paired with Cilium release v.
// Releases outside the supported range get the newest supported minor's image.
func NodeImageFor(v Cilium) NodeImage {
	images := nodeImages()
	if img, ok := images[v.Minor]; ok && v.Major == 1 {
		return img
	}
	return images[NewestMinor]
}

// kubeTag is a Kubernetes release tag as kind's node images carry it.
var kubeTag = regexp.MustCompile(`^v\d+\.\d+\.\d+$`)

// CustomNodeImage checks a node image given by the user (--node-image) and
// describes it: the Kubernetes version is read from the tag when the tag is
// one ("kindest/node:v1.34.11"); any other tag leaves it unknown.
func CustomNodeImage(ref string) (NodeImage, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return NodeImage{}, fmt.Errorf("invalid node image %q: %w (want an image reference such as kindest/node:v1.35.8)", ref, err)
	}
	img := NodeImage{Ref: ref}
	if tagged, ok := named.(reference.Tagged); ok && kubeTag.MatchString(tagged.Tag()) {
		img.Kubernetes = tagged.Tag()
	}
	return img, nil
}
