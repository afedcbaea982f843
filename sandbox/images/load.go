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
// under its tag, imports the archive into the nodes that lack it with kind's
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
		pulled, err := ensureOnHost(ctx, in.Docker, img)
		if err != nil {
			return res, err
		}
		if pulled {
			res.Pulled = append(res.Pulled, ref)
		}
		if err := loadInto(ctx, in.Docker, img, missing); err != nil {
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

// ensureOnHost pulls img unless the host's Docker already has it.
func ensureOnHost(ctx context.Context, d Docker, img Image) (pulled bool, err error) {
	_, err = d.ImageInspect(ctx, hostRef(img))
	if err == nil {
		return false, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return false, fmt.Errorf("inspect image %s on the host: %w", img.Ref, err)
	}
	resp, err := d.ImagePull(ctx, img.Ref, client.ImagePullOptions{})
	if err != nil {
		return false, fmt.Errorf("pull %s: %w", img.Ref, err)
	}
	defer resp.Close()
	if err := resp.Wait(ctx); err != nil {
		return false, fmt.Errorf("pull %s: %w", img.Ref, err)
	}
	return true, nil
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
func loadInto(ctx context.Context, d Docker, img Image, targets []nodes.Node) error {
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
	saved, err := d.ImageSave(ctx, []string{tag})
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
