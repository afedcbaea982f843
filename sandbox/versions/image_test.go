package versions

import (
	"strings"
	"testing"
)

func TestImageTag(t *testing.T) {
	cases := map[string]string{
		"quay.io/cilium/cilium:v1.18.10@sha256:abc": "v1.18.10",
		"quay.io/cilium/cilium:v1.20.2":             "v1.20.2",
		"localhost:5000/cilium/cilium":              "",
		"localhost:5000/cilium/cilium:v1.19.5":      "v1.19.5",
		"quay.io/cilium/cilium@sha256:abc":          "",
	}
	for image, want := range cases {
		t.Run(image, func(t *testing.T) {
			if got := ImageTag(image); got != want {
				t.Fatalf("ImageTag(%q) = %q, want %q", image, got, want)
			}
		})
	}
}

func TestCiliumFromImage(t *testing.T) {
	cases := []struct {
		image, want, wantErr string
	}{
		{image: "quay.io/cilium/cilium:v1.18.10@sha256:abc", want: "1.18.10"},
		{image: "registry.local:5000/mirror/cilium:v1.16.3", want: "1.16.3"},
		{image: "quay.io/cilium/cilium@sha256:abc", wantErr: `image "quay.io/cilium/cilium@sha256:abc" has no version tag`},
		{image: "quay.io/cilium/cilium:latest", wantErr: `invalid Cilium version "latest"`},
		{image: "quay.io/cilium/cilium:v1.15.7", wantErr: `unsupported Cilium version "v1.15.7"`},
	}
	for _, c := range cases {
		v, err := CiliumFromImage(c.image)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("CiliumFromImage(%q) error = %v, want %q", c.image, err, c.wantErr)
			}
			continue
		}
		if err != nil || v.String() != c.want {
			t.Errorf("CiliumFromImage(%q) = %s, %v; want %s", c.image, v, err, c.want)
		}
	}
}
