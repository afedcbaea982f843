package versions

// NodeImage is a kind node image paired with a Cilium release.
type NodeImage struct {
	// Kubernetes is the node's Kubernetes version, for example "v1.35.0".
	Kubernetes string `json:"kubernetes"`
	// Ref is the image reference pinned by digest.
	Ref string `json:"ref"`
}

// NodeImageFor returns the kind node image paired with Cilium release v.
func NodeImageFor(v Cilium) NodeImage { return NodeImage{} }
