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
		{"1.17.16", "v1.32.8"},
		{"1.18.10", "v1.33.4"},
		{"1.19.5", "v1.35.8"},
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
	cases := []struct{ ref, kube string }{
		{"kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5", "v1.37.0"},
		{"kindest/node:v1.34.11", "v1.34.11"},
		{"localhost:5000/node@sha256:abc", ""},
		{"my/node", ""},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			img := CustomNodeImage(c.ref)
			if img.Ref != c.ref || img.Kubernetes != c.kube {
				t.Fatalf("CustomNodeImage(%q) = %+v, want Kubernetes %q", c.ref, img, c.kube)
			}
		})
	}
}
