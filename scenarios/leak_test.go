package scenarios

import (
	"bytes"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// leakSearch counts, in artifacts, the header secret's values: as they are
// and base64-encoded (as a Secret's data is written in YAML and JSON).
type leakSearch struct {
	needles [][]byte
	rows    []leakRow
}

// leakRow is one artifact searched.
type leakRow struct {
	name         string
	files, bytes int
	matches      int
	control      bool // expected to hold the value: proves the search finds it
}

func newLeakSearch(values []string) *leakSearch {
	l := &leakSearch{}
	for _, v := range values {
		l.needles = append(l.needles, []byte(v), []byte(base64.StdEncoding.EncodeToString([]byte(v))))
	}
	return l
}

// count returns how often the values occur in data.
func (l *leakSearch) count(data []byte) int {
	n := 0
	for _, needle := range l.needles {
		n += bytes.Count(data, needle)
	}
	return n
}

// add searches one in-memory artifact.
func (l *leakSearch) add(name string, data []byte) {
	l.rows = append(l.rows, leakRow{name: name, files: 1, bytes: len(data), matches: l.count(data)})
}

// addControl searches an artifact that must hold the value.
func (l *leakSearch) addControl(name string, data []byte) {
	l.add(name, data)
	l.rows[len(l.rows)-1].control = true
}

// addDir searches every file under dir.
func (l *leakSearch) addDir(name, dir string) error {
	row := leakRow{name: name}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		row.files++
		row.bytes += len(b)
		row.matches += l.count(b)
		return nil
	})
	l.rows = append(l.rows, row)
	return err
}

// report logs every row and fails t for an artifact holding a value, an
// artifact with nothing in it (the search would be vacuous), or a control
// that does not hold one.
func (l *leakSearch) report(t *testing.T) {
	t.Helper()
	total, leaks := 0, 0
	for _, r := range l.rows {
		kind := "artifact"
		if r.control {
			kind = "control "
		}
		t.Logf("leak search: %s %-72s %3d file(s) %9d bytes  %d match(es)", kind, r.name, r.files, r.bytes, r.matches)
		switch {
		case r.control && r.matches == 0:
			t.Errorf("control %q holds no header value: the search would not find one", r.name)
		case !r.control && r.bytes == 0:
			t.Errorf("artifact %q is empty: searching it proves nothing", r.name)
		case !r.control:
			total += r.bytes
			leaks += r.matches
		}
	}
	t.Logf("leak search: %d artifacts, %d bytes, %d match(es) of %d header value(s), each as is and base64",
		len(l.rows)-l.controls(), total, leaks, len(l.needles)/2)
	if leaks > 0 {
		t.Errorf("the header secret's value is in %d place(s) of the artifacts above", leaks)
	}
}

func (l *leakSearch) controls() int {
	n := 0
	for _, r := range l.rows {
		if r.control {
			n++
		}
	}
	return n
}
