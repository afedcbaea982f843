package images

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// Docker is the part of the Docker Engine API client that loading uses.
type Docker interface {
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImagePull(ctx context.Context, ref string, opts client.ImagePullOptions) (client.ImagePullResponse, error)
	ImageTag(ctx context.Context, opts client.ImageTagOptions) (client.ImageTagResult, error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
}

// LoadInput says which images go into which nodes.
type LoadInput struct {
	Docker Docker
	Nodes  []nodes.Node
	Images []string
	// Auth gives the credentials a pull sends; DockerConfig{} (those
	// `docker pull` would send) when nil. Anonymous{} pulls without.
	Auth Credentials
}

// LoadResult says what Load did per image reference.
type LoadResult struct {
	// Pulled were downloaded on the host (the rest were already there or
	// not needed).
	Pulled []string `json:"pulled,omitempty"`
	// Loaded were imported into at least one node.
	Loaded []string `json:"loaded,omitempty"`
	// Present were already on every node.
	Present []string `json:"present,omitempty"`
}

// Changed reports whether Load pulled or loaded anything.
func (r *LoadResult) Changed() bool { return len(r.Pulled)+len(r.Loaded) > 0 }

// Load makes every image available on every node. For each image missing on
// some node it pulls the image on the host unless the host has it, saves it
// under its tag (only the host's platform of a multi-platform image),
// imports the archive into the nodes that lack it with kind's
// nodeutils.LoadImageArchive and, for a reference pinned by digest, names it
// by that digest in the node too, so the kubelet finds it (containerd looks
// up "name:tag@digest" by "name@digest").
func Load(ctx context.Context, in LoadInput) (*LoadResult, error) {
	heldBy := make([]held, len(in.Nodes))
	for i, n := range in.Nodes {
		h, err := nodeImages(n)
		if err != nil {
			return nil, err
		}
		heldBy[i] = h
	}
	res := &LoadResult{}
	for _, ref := range in.Images {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("load images: %w", err)
		}
		img, err := Parse(ref)
		if err != nil {
			return res, err
		}
		var missing []nodes.Node
		for i, n := range in.Nodes {
			if !heldBy[i].has(img) {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			res.Present = append(res.Present, ref)
			continue
		}
		info, pulled, err := ensureOnHost(ctx, in.Docker, img, in.Auth)
		if err != nil {
			return res, err
		}
		if pulled {
			res.Pulled = append(res.Pulled, ref)
		}
		if err := loadInto(ctx, in.Docker, img, saveOptions(info), missing); err != nil {
			return res, err
		}
		res.Loaded = append(res.Loaded, ref)
	}
	return res, nil
}

// hostRef is how the host's Docker knows img: by digest when pinned
// (Docker records the digest it pulled, not the tag next to it).
func hostRef(img Image) string {
	if p := img.Pinned(); p != "" {
		return p
	}
	return img.Ref
}

// EnsureOnHost pulls ref unless the host's Docker already has it (by
// digest when ref is pinned), and tells whether it pulled. The pull sends
// the credentials of auth (DockerConfig{} when nil) and stops as soon as
// ctx is done.
func EnsureOnHost(ctx context.Context, d Docker, ref string, auth Credentials) (pulled bool, err error) {
	img, err := Parse(ref)
	if err != nil {
		return false, err
	}
	_, pulled, err = ensureOnHost(ctx, d, img, auth)
	return pulled, err
}

// ensureOnHost pulls img unless the host's Docker already has it, and
// returns how the host's Docker describes it. Credentials that cannot be
// read (a credential helper failing) leave the pull anonymous; a failed
// pull then says why it had none.
func ensureOnHost(ctx context.Context, d Docker, img Image, auth Credentials) (client.ImageInspectResult, bool, error) {
	info, err := d.ImageInspect(ctx, hostRef(img))
	if err == nil {
		return info, false, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return info, false, fmt.Errorf("inspect image %s on the host: %w", img.Ref, err)
	}
	if auth == nil {
		auth = DockerConfig{}
	}
	registryAuth, authErr := auth.RegistryAuth(img.Ref)
	pullErr := func(err error) error {
		if authErr != nil {
			return fmt.Errorf("pull %s (without credentials: %v): %w", img.Ref, authErr, err)
		}
		return fmt.Errorf("pull %s: %w", img.Ref, err)
	}
	resp, err := d.ImagePull(ctx, img.Ref, client.ImagePullOptions{RegistryAuth: registryAuth})
	if err != nil {
		return info, false, pullErr(err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		return info, false, pullErr(err)
	}
	info, err = d.ImageInspect(ctx, hostRef(img))
	if err != nil {
		return info, true, fmt.Errorf("inspect image %s on the host after pulling it: %w", img.Ref, err)
	}
	return info, true, nil
}

// saveOptions selects the host's platform of a multi-platform image when
// the host's Docker keeps images in containerd (Descriptor is set only
// then). Its `docker save` of a whole multi-platform image names every
// platform's manifest but holds only the pulled one, and the node's
// `ctr images import --all-platforms` then fails with "content digest ...
// not found" (kind issue #3795). The classic image store saves one platform
// and an older daemon refuses the option, so neither gets it.
func saveOptions(info client.ImageInspectResult) []client.ImageSaveOption {
	if info.Descriptor == nil || info.Os == "" || info.Architecture == "" {
		return nil
	}
	return []client.ImageSaveOption{client.ImageSaveWithPlatforms(hostPlatform(info))}
}

// hostPlatform is the platform of the host's copy of an image.
func hostPlatform(info client.ImageInspectResult) ocispec.Platform {
	return ocispec.Platform{OS: info.Os, Architecture: info.Architecture, Variant: info.Variant}
}

// hostTag is the name the image is saved under: its tag, or a tag made
// from the digest when the reference has none.
func hostTag(img Image) string {
	if t := img.Tagged(); t != "" {
		return t
	}
	return img.Name + ":sandbox-" + strings.TrimPrefix(img.Digest, "sha256:")[:12]
}

// loadInto saves img from the host once and imports it into each node.
func loadInto(ctx context.Context, d Docker, img Image, opts []client.ImageSaveOption, targets []nodes.Node) error {
	tag := hostTag(img)
	if img.Digest != "" {
		// Docker does not create the tag when pulling name:tag@digest.
		if _, err := d.ImageTag(ctx, client.ImageTagOptions{Source: hostRef(img), Target: tag}); err != nil {
			return fmt.Errorf("tag %s as %s: %w", img.Ref, tag, err)
		}
	}
	archive, err := os.CreateTemp("", "sandbox-image-*.tar")
	if err != nil {
		return fmt.Errorf("save %s: %w", tag, err)
	}
	defer os.Remove(archive.Name())
	defer archive.Close()
	saved, err := d.ImageSave(ctx, []string{tag}, opts...)
	if err != nil {
		return fmt.Errorf("save %s: %w", tag, err)
	}
	_, err = io.Copy(archive, saved)
	saved.Close()
	if err != nil {
		return fmt.Errorf("save %s: %w", tag, err)
	}
	for _, n := range targets {
		if _, err := archive.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("load %s: %w", tag, err)
		}
		if err := nodeutils.LoadImageArchive(n, archive); err != nil {
			return fmt.Errorf("load %s into node %s: %w", tag, n, err)
		}
		if p := img.Pinned(); p != "" {
			if err := tagInNode(n, tag, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// tagInNode names the imported image by its digest reference in the node.
func tagInNode(n nodes.Node, source, target string) error {
	var errOut bytes.Buffer
	err := n.Command("ctr", "--namespace=k8s.io", "images", "tag", "--force", source, target).SetStderr(&errOut).Run()
	if err != nil {
		return fmt.Errorf("tag %s as %s in node %s: %w: %s", source, target, n, err, errOut.String())
	}
	return nil
}
