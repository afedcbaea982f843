package versions

import (
	"bytes"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	r := Describe(MustParseCilium("1.18.6"))
	var ids []string
	for _, b := range r.KnownBugs {
		ids = append(ids, b.ID+"@"+b.FixedFor)
	}
	if got := strings.Join(ids, " "); got != "K3@1.18.8 K5@1.19.0 K9@1.19.4 K10@1.19.6 K12@1.18.9 K17@ K18@1.20.0" {
		t.Fatalf("1.18.6 shows %s", got)
	}
	if !r.Served || !r.Known || r.Default != "1.18.11" || r.ServerNameWildcards != ServerNameWildcardsPrefix || r.DoubleStarPatterns {
		t.Fatalf("Describe(1.18.6) = %+v", r)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"7 known bugs and behaviour changes hold on 1.18.6", "K17  bug: originating TLS cannot present a client certificate", "no release fixes it yet"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
	if u := Describe(MustParseCilium("1.18.12")); u.Known || u.Served || !strings.Contains(u.Warning, "newer than the 1.18 patch releases") {
		t.Errorf("Describe(1.18.12) = %+v", u)
	}
}
