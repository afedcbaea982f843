package versions

import (
	"regexp"
	"strings"
	"testing"
)

func TestNodeImageFor(t *testing.T) {
	pinned := regexp.MustCompile(`^kindest/node:(v1\.\d+\.\d+)@sha256:[0-9a-f]{64}$`)
	cases := []struct {
		cilium string
		kube   string
	}{
		{"1.16.19", "v1.30.13"},
		{"1.17.17", "v1.32.8"},
		{"1.18.11", "v1.33.4"},
		{"1.19.7", "v1.35.8"},
		{"1.20.2", "v1.36.4"},
	}
	for _, c := range cases {
		t.Run(c.cilium, func(t *testing.T) {
			img := NodeImageFor(MustParseCilium(c.cilium))
			if img.Kubernetes != c.kube {
				t.Errorf("Kubernetes = %q, want %q", img.Kubernetes, c.kube)
			}
			m := pinned.FindStringSubmatch(img.Ref)
			if m == nil {
				t.Fatalf("Ref %q is not kindest/node pinned by a sha256 digest", img.Ref)
			}
			if m[1] != img.Kubernetes {
				t.Errorf("Ref tag %s does not match Kubernetes %s", m[1], img.Kubernetes)
			}
			if !strings.HasPrefix(img.KindRelease, "v0.") {
				t.Errorf("KindRelease = %q, want a kind release", img.KindRelease)
			}
		})
	}
}

func TestCustomNodeImage(t *testing.T) {
	digest := "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
	cases := []struct{ ref, kube, wantErr string }{
		{ref: "kindest/node:v1.37.0@" + digest, kube: "v1.37.0"},
		{ref: "kindest/node:v1.34.11", kube: "v1.34.11"},
		{ref: "localhost:5000/node@" + digest},
		{ref: "my/node"},
		{ref: "kindest/node:latest"},
		{ref: "bad image!!", wantErr: `invalid node image "bad image!!"`},
		{ref: "kindest/node@sha256:abc", wantErr: `invalid node image "kindest/node@sha256:abc"`},
		{ref: "Kindest/Node:v1.35.8", wantErr: "invalid node image"},
		{ref: "", wantErr: "invalid node image"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			img, err := CustomNodeImage(c.ref)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("CustomNodeImage(%q) error = %v, want it to contain %q", c.ref, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CustomNodeImage(%q): %v", c.ref, err)
			}
			if img.Ref != c.ref || img.Kubernetes != c.kube {
				t.Fatalf("CustomNodeImage(%q) = %+v, want Kubernetes %q", c.ref, img, c.kube)
			}
		})
	}
}
