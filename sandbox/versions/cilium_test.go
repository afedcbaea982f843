package versions

import (
	"strings"
	"testing"
)

func TestParseCilium(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "1.18.10", want: "1.18.10"},
		{in: "v1.20.2", want: "1.20.2"},
		{in: "1.16", want: "1.16.19"},
		{in: "1.19", want: "1.19.7"},
		{in: "1.17", want: "1.17.17"},
		{in: "1.18", want: "1.18.11"},
		{in: "1.15.3", wantErr: `unsupported Cilium version "1.15.3": supported are 1.16 to 1.20`},
		{in: "1.21.0", wantErr: `unsupported Cilium version "1.21.0"`},
		{in: "2.0.0", wantErr: "unsupported"},
		{in: "latest", wantErr: `invalid Cilium version "latest"`},
		{in: "1.x.0", wantErr: `"x" is not a number`},
		{in: "", wantErr: "invalid Cilium version"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			v, err := ParseCilium(c.in)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ParseCilium(%q) error = %v, want it to contain %q", c.in, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCilium(%q): %v", c.in, err)
			}
			if v.String() != c.want {
				t.Fatalf("ParseCilium(%q) = %s, want %s", c.in, v, c.want)
			}
		})
	}
}

func TestFeaturesByMinor(t *testing.T) {
	cases := []struct {
		v          string
		wildcards  ServerNameWildcards
		doubleStar bool
	}{
		{"1.16.19", ServerNameWildcardsNone, false},
		{"1.17.17", ServerNameWildcardsNone, false},
		{"1.18.0", ServerNameWildcardsPrefix, false},
		{"1.18.11", ServerNameWildcardsPrefix, false},
		{"1.19.0", ServerNameWildcardsPrefix, true},
		{"1.19.7", ServerNameWildcardsPrefix, true},
		{"1.20.0", ServerNameWildcardsAnywhere, true},
		{"1.20.2", ServerNameWildcardsAnywhere, true},
	}
	for _, c := range cases {
		t.Run(c.v, func(t *testing.T) {
			v := MustParseCilium(c.v)
			if got := v.ServerNameWildcards(); got != c.wildcards {
				t.Errorf("ServerNameWildcards = %s, want %s", got, c.wildcards)
			}
			if got := v.DoubleStarPatterns(); got != c.doubleStar {
				t.Errorf("DoubleStarPatterns = %v, want %v", got, c.doubleStar)
			}
		})
	}
}

func TestDefaultReleases(t *testing.T) {
	var got []string
	for _, v := range DefaultReleases() {
		got = append(got, v.String())
	}
	want := "1.16.19,1.17.17,1.18.11,1.19.7,1.20.2"
	if strings.Join(got, ",") != want {
		t.Fatalf("DefaultReleases = %s, want %s", strings.Join(got, ","), want)
	}
	if MustParseCilium("1.18.10").Compare(MustParseCilium("1.18.9")) != 1 {
		t.Fatal("1.18.10 should be newer than 1.18.9")
	}
}

func TestKnownPatch(t *testing.T) {
	cases := []struct {
		in      string
		known   bool
		warning string
	}{
		{"1.18.11", true, ""},
		{"1.18.0", true, ""},
		{"1.18.7", true, ""},
		{"1.16.3", true, ""},
		{"1.18.12", false, "Cilium 1.18.12 is newer than the 1.18 patch releases this project knows (1.18.0 to 1.18.11)"},
		{"1.20.3", false, "(1.20.0 to 1.20.2)"},
	}
	for _, c := range cases {
		v := MustParseCilium(c.in)
		if v.KnownPatch() != c.known {
			t.Errorf("%s: KnownPatch = %v, want %v", c.in, v.KnownPatch(), c.known)
		}
		if w := v.UnknownPatchWarning(); (c.warning == "") != (w == "") || !strings.Contains(w, c.warning) {
			t.Errorf("%s: UnknownPatchWarning = %q, want %q", c.in, w, c.warning)
		}
	}
}

func TestValueFlag(t *testing.T) {
	var v Cilium
	f := Value{V: &v}
	if f.String() != "" {
		t.Fatalf("unset flag prints %q", f.String())
	}
	if err := f.Set("1.18"); err != nil || v.String() != "1.18.11" || f.String() != "1.18.11" {
		t.Fatalf("Set(1.18) = %v, v %s", err, v)
	}
	if err := f.Set("1.15.0"); err == nil || !strings.Contains(err.Error(), `unsupported Cilium version "1.15.0"`) || v.String() != "1.18.11" {
		t.Fatalf("Set(1.15.0) = %v, v %s: want the error and v unchanged", err, v)
	}
	if (Cilium{}).OrDefault().String() != DefaultCilium {
		t.Fatal("the zero release does not default")
	}
}
