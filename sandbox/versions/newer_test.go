package versions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeAhead is how many patch numbers past a minor's newest known release
// the test asks the module proxy for: Cilium's patches come one by one, but
// the proxy skips some (1.16.10 to 1.16.16 are not served).
const probeAhead = 10

// TestNoUnknownServedRelease lists, for each supported minor, the patch
// releases of github.com/cilium/cilium the Go module proxy serves (asking
// for each version's .info: the proxy's list endpoint returns almost nothing
// for Cilium), and fails, naming them, when the proxy serves one this
// project does not know. Adding a release is then one visible step: check
// the rows of knownbugs.yaml still open on its minor, add it to
// servedPatches, and pin its images (go generate ./sandbox/cilium).
func TestNoUnknownServedRelease(t *testing.T) {
	proxy := moduleProxy(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if ok, _, err := probe(ctx, proxy, "v1.20.2"); err != nil || !ok {
		t.Skipf("needs the Go module proxy %s serving Cilium (v1.20.2 served: %v, %v)", proxy, ok, err)
	}
	served, listed := map[int][]int{}, map[int][]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var probeErr error
	sem := make(chan struct{}, 8)
	for m := OldestMinor; m <= NewestMinor; m++ {
		for p := 0; p <= defaultPatches()[m]+probeAhead; p++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				ok, only, err := probe(ctx, proxy, fmt.Sprintf("v1.%d.%d", m, p))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err != nil:
					probeErr = errors.Join(probeErr, err)
				case ok:
					served[m] = append(served[m], p)
				case only:
					listed[m] = append(listed[m], p)
				}
			}()
		}
	}
	wg.Wait()
	if probeErr != nil {
		t.Fatalf("asking %s: %v", proxy, probeErr)
	}
	for m := OldestMinor; m <= NewestMinor; m++ {
		slices.Sort(served[m])
		slices.Sort(listed[m])
		t.Logf("1.%d: the module proxy serves %s (%d releases)", m, compactPatches(m, served[m]), len(served[m]))
		if len(listed[m]) > 0 {
			t.Logf("1.%d: it answers .info but refuses go.mod for %s: not downloadable, not counted", m, compactPatches(m, listed[m]))
		}
	}
	if unknown := unknownServed(served); len(unknown) > 0 {
		t.Fatalf("the Go module proxy serves Cilium releases this project does not know:\n  %s", strings.Join(unknown, "\n  "))
	}
}

// unknownServed names the releases in served (patches by minor) that the
// project does not know, each with what to do about it.
func unknownServed(served map[int][]int) []string {
	var unknown []string
	for m := OldestMinor; m <= NewestMinor; m++ {
		for _, p := range served[m] {
			v := Cilium{Major: 1, Minor: m, Patch: p}
			switch {
			case !v.KnownPatch():
				unknown = append(unknown, fmt.Sprintf("%s is newer than every 1.%d release this project knows; check the rows still open on 1.%d (%s), add it to servedPatches in sandbox/versions/served.go and run `go generate ./sandbox/cilium`",
					v, m, m, openRows(Cilium{Major: 1, Minor: m, Patch: defaultPatches()[m]})))
			case !v.Served():
				unknown = append(unknown, fmt.Sprintf("%s is served now but missing from servedPatches (sandbox/versions/served.go): its code can now confirm the rows whose boundary it is", v))
			}
		}
	}
	return unknown
}

func TestUnknownServed(t *testing.T) {
	served := servedPatches()
	if u := unknownServed(served); len(u) != 0 {
		t.Fatalf("the known releases read as unknown: %v", u)
	}
	served[17] = append(served[17], 18)
	served[18] = append(served[18], 7)
	got := strings.Join(unknownServed(served), "\n")
	for _, want := range []string{
		"1.17.18 is newer than every 1.17 release this project knows; check the rows still open on 1.17 (K3, K8, K9, K10, K16, K17)",
		"1.18.7 is served now but missing from servedPatches",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("unknownServed says:\n%s\nwant it to say %q", got, want)
		}
	}
}

// openRows names the rows of the table that release v (a minor's newest
// known release) shows and that a newer patch may change: every bug, and
// the changes that already reached some line in a patch release.
func openRows(v Cilium) string {
	var ids []string
	for _, r := range KnownBugsOf(v) {
		if r.Kind == KindBug || slices.ContainsFunc(r.fixed, func(f Cilium) bool { return f.Patch > 0 }) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// moduleProxy returns the first proxy URL of GOPROXY (go env), skipping the
// test when there is none.
func moduleProxy(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Skipf("needs `go env GOPROXY`: %v", err)
	}
	for _, p := range strings.FieldsFunc(strings.TrimSpace(string(out)), func(r rune) bool { return r == ',' || r == '|' }) {
		if strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://") {
			return strings.TrimSuffix(p, "/")
		}
	}
	t.Skipf("needs a Go module proxy: GOPROXY=%s names none", strings.TrimSpace(string(out)))
	return ""
}

// probe asks the proxy for version's .info and .mod, what `go mod
// download` reads first: served is true when it has both; listed is true
// when it answers .info but refuses .mod (a version the proxy knows of but
// cannot serve). A refusal is a 404, 410 or 403 ("not available"); any
// other answer is an error.
func probe(ctx context.Context, proxy, version string) (served, listed bool, err error) {
	for _, ext := range []string{".info", ".mod"} {
		ok, err := fetchOK(ctx, proxy+"/github.com/cilium/cilium/@v/"+version+ext)
		if err != nil {
			return false, false, fmt.Errorf("%s%s: %w", version, ext, err)
		}
		if !ok {
			return false, listed, nil
		}
		listed = true
	}
	return true, false, nil
}

// fetchOK GETs url: true on 200, false on a refusal.
func fetchOK(ctx context.Context, url string) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound, http.StatusGone, http.StatusForbidden:
		return false, nil
	}
	return false, fmt.Errorf("%s", resp.Status)
}

// TestNodeImagesFollowCiliumCI checks each default release's node image
// pairing against the Kubernetes minor of its own kind CI
// (.github/actions/set-env-variables KIND_K8S_IMAGE) in its Go module, for
// the releases whose module is in the module cache.
func TestNodeImagesFollowCiliumCI(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("needs `go env GOMODCACHE`: %v", err)
	}
	cache := strings.TrimSpace(string(out))
	checked := 0
	for _, v := range DefaultReleases() {
		data, err := os.ReadFile(cache + "/github.com/cilium/cilium@v" + v.String() + "/.github/actions/set-env-variables/action.yml")
		if err != nil {
			t.Logf("%s: module not in the module cache (go mod download github.com/cilium/cilium@v%s), not checked", v, v)
			continue
		}
		checked++
		kube := NodeImageFor(v).Kubernetes
		minor := kube[:strings.LastIndex(kube, ".")] + "."
		line := ""
		for _, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, "KIND_K8S_IMAGE=") {
				line = l
				break
			}
		}
		if !strings.Contains(line, ":"+minor) {
			t.Errorf("%s: node image %s, but its kind CI runs %q", v, kube, strings.TrimSpace(line))
		}
	}
	if checked == 0 {
		t.Skip("needs a default release's Cilium module in the module cache")
	}
}
