package install

import (
	"strings"
	"testing"
)

func TestKnownBugsOfTheRunningRelease(t *testing.T) {
	cases := []struct {
		release string
		want    []string
	}{
		{"1.20.0", []string{"Cilium 1.20.0 has known bug K14 (cilium/cilium#47624)", "--set envoy.xdsMode=split"}},
		{"1.18.3", []string{"Cilium 1.18.3 has known bug K15 (cilium/cilium#42459)", "fixed in 1.18.5"}},
		{"1.20.2", nil},
		{"1.15.0", nil},
		{"", nil},
	}
	for _, c := range cases {
		got := knownBugs(c.release)
		note := knownBugsNote(got)
		if (len(c.want) == 0) != (note == "") {
			t.Errorf("%q: note %q", c.release, note)
		}
		for _, w := range c.want {
			if len(got) != 1 || !strings.Contains(got[0], w) || !strings.Contains(note, w) {
				t.Errorf("%q: warnings %q, note %q; want %q", c.release, got, note, w)
			}
		}
	}
	if note := knownBugsNote(knownBugs("1.16.2")); !strings.Contains(note, "known bug K2") || !strings.Contains(note, "(and 1 more known bugs, in the report)") {
		t.Errorf("1.16.2: note %q", note)
	}
}
