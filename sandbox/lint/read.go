package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
)

// ErrNoObjects means the inputs hold no Kubernetes object.
var ErrNoObjects = errors.New("no Kubernetes objects")

// Stdin is the path that names standard input.
const Stdin = "-"

// read parses every manifest of paths: files, directories (every .yaml,
// .yml and .json below them, in name order) and Stdin.
func read(paths []string, stdin io.Reader) ([]*unstructured.Unstructured, []string, error) {
	var objs []*unstructured.Unstructured
	var files []string
	for _, p := range paths {
		list, err := expand(p)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range list {
			data, err := readFile(f, stdin)
			if err != nil {
				return nil, nil, err
			}
			got, err := validate.ParseManifest(data)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w%s", displayName(f), err, templateHint(data))
			}
			objs = append(objs, got...)
			files = append(files, displayName(f))
		}
	}
	if len(objs) == 0 {
		return nil, files, fmt.Errorf("%w in %s", ErrNoObjects, strings.Join(files, ", "))
	}
	return objs, files, nil
}

// expand lists the manifest files of a path.
func expand(p string) ([]string, error) {
	if p == Stdin {
		return []string{Stdin}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var out []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				out = append(out, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: directory %s has no .yaml, .yml or .json file", ErrNoObjects, p)
	}
	sort.Strings(out)
	return out, nil
}

func readFile(f string, stdin io.Reader) ([]byte, error) {
	if f != Stdin {
		return os.ReadFile(f)
	}
	if stdin == nil {
		return nil, errors.New("standard input (-) is not available")
	}
	data, err := io.ReadAll(stdin)
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return data, nil
}

func displayName(f string) string {
	if f == Stdin {
		return "standard input"
	}
	return f
}

// templateHint explains a parse failure on a Helm template.
func templateHint(data []byte) string {
	if bytes.Contains(data, []byte("{{")) {
		return " (a Helm template? lint what it renders: helm template ... | sandbox lint -f -)"
	}
	return ""
}
