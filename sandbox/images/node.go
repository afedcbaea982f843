package images

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/kind/pkg/cluster/nodes"
)

// crictlImages is the part of `crictl images -o json` that is read.
type crictlImages struct {
	Images []struct {
		RepoTags    []string `json:"repoTags"`
		RepoDigests []string `json:"repoDigests"`
	} `json:"images"`
}

// held is the set of tags and digests a node's containerd holds.
type held map[string]bool

// nodeImages lists the references a node holds, through crictl.
func nodeImages(n nodes.Node) (held, error) {
	var out, errOut bytes.Buffer
	if err := n.Command("crictl", "images", "-o", "json").SetStdout(&out).SetStderr(&errOut).Run(); err != nil {
		return nil, fmt.Errorf("list images on node %s: %w: %s", n, err, errOut.String())
	}
	return parseCrictlImages(out.Bytes())
}

func parseCrictlImages(b []byte) (held, error) {
	var list crictlImages
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("parse crictl images: %w", err)
	}
	h := held{}
	for _, img := range list.Images {
		for _, r := range append(img.RepoTags, img.RepoDigests...) {
			h[r] = true
		}
	}
	return h, nil
}

// has reports whether the node holds img: by digest when the reference is
// pinned (a tag may have moved), by tag otherwise.
func (h held) has(img Image) bool {
	if p := img.Pinned(); p != "" {
		return h[p]
	}
	return h[img.Tagged()]
}
