package versions

import (
	"strings"
	"testing"
)

func TestServedList(t *testing.T) {
	cases := map[int]string{
		16: "1.16.0 to 1.16.6, 1.16.8, 1.16.9, 1.16.17, 1.16.19",
		17: "1.17.0 to 1.17.6, 1.17.8, 1.17.14 to 1.17.17",
		19: "1.19.0, 1.19.1, 1.19.3 to 1.19.7",
		20: "1.20.0 to 1.20.2",
		21: "",
	}
	for minor, want := range cases {
		if got := ServedList(minor); got != want {
			t.Errorf("ServedList(%d) = %q, want %q", minor, got, want)
		}
	}
}

func TestServed(t *testing.T) {
	cases := []struct {
		v       string
		served  bool
		wantErr string
	}{
		{"1.18.11", true, ""},
		{"1.18.7", false, "the Go module proxy does not serve Cilium 1.18.7: it serves 1.18.0 to 1.18.6, 1.18.8 to 1.18.11"},
		{"1.19.2", false, "it serves 1.19.0, 1.19.1, 1.19.3 to 1.19.7"},
		{"1.20.3", false, "it serves 1.20.0 to 1.20.2"},
	}
	for _, c := range cases {
		v := MustParseCilium(c.v)
		if v.Served() != c.served {
			t.Errorf("%s: Served = %v, want %v", c.v, v.Served(), c.served)
		}
		err := v.NotServedError()
		if (err == nil) != (c.wantErr == "") || (err != nil && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: NotServedError = %v, want %q", c.v, err, c.wantErr)
		}
	}
	if err := (Cilium{Major: 1, Minor: 21}).NotServedError(); err == nil || !strings.Contains(err.Error(), "unsupported Cilium release 1.21.0: supported are 1.16 to 1.20") {
		t.Errorf("1.21.0: NotServedError = %v", err)
	}
}

// TestDefaultPatchesAreNewestServed: a minor's default patch is the newest
// release the module proxy serves, and every default is served.
func TestDefaultPatchesAreNewestServed(t *testing.T) {
	for _, v := range DefaultReleases() {
		ps := ServedPatches(v.Minor)
		if !v.Served() || ps[len(ps)-1] != v.Patch {
			t.Errorf("default %s: served patches of 1.%d are %v", v, v.Minor, ps)
		}
	}
	ps := ServedPatches(18)
	ps[0] = 99
	if ServedPatches(18)[0] != 0 {
		t.Error("ServedPatches returns the table itself; a caller changed it")
	}
}
