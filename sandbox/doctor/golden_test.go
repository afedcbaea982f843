package doctor

import (
	"bytes"
	"path/filepath"
	"sort"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

func textOf(t *testing.T, rep *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReportGolden compares the text and JSON reports of every recorded
// state with testdata/<state>.txt and .json; -update rewrites them.
func TestReportGolden(t *testing.T) {
	names := make([]string, 0, len(rootCauses()))
	for n := range rootCauses() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		rep := runDump(t, name)
		for _, f := range []Format{FormatText, FormatJSON} {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				var b bytes.Buffer
				if err := rep.Write(&b, f); err != nil {
					t.Fatal(err)
				}
				ext := ".txt"
				if f == FormatJSON {
					ext = ".json"
				}
				compareGolden(t, filepath.Join("testdata", name+ext), b.Bytes())
			})
		}
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got, *update)
}
