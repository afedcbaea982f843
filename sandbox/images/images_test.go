package images

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/yaml"
)

const (
	ciliumRef = "quay.io/cilium/cilium:v1.20.2@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	curlRef   = "curlimages/curl:8.11.1"
)

func TestParse(t *testing.T) {
	cases := []struct {
		ref, tagged, pinned string
	}{
		{ciliumRef, "quay.io/cilium/cilium:v1.20.2", "quay.io/cilium/cilium@sha256:1111111111111111111111111111111111111111111111111111111111111111"},
		{curlRef, "docker.io/curlimages/curl:8.11.1", ""},
		{"busybox", "docker.io/library/busybox:latest", ""},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			img, err := Parse(c.ref)
			if err != nil {
				t.Fatal(err)
			}
			if img.Tagged() != c.tagged || img.Pinned() != c.pinned {
				t.Fatalf("Parse(%q) tagged %q pinned %q, want %q %q", c.ref, img.Tagged(), img.Pinned(), c.tagged, c.pinned)
			}
		})
	}
	if _, err := Parse("bad ref:x"); err == nil || !strings.Contains(err.Error(), `"bad ref:x"`) {
		t.Fatalf("Parse of a bad reference: %v", err)
	}
}

func TestFromObjects(t *testing.T) {
	docs := []string{
		`{"kind":"Deployment","spec":{"template":{"spec":{"initContainers":[{"image":"init:1"}],"containers":[{"image":"app:1"},{"image":"side:1"}]}}}}`,
		`{"kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"image":"app:1"}]}}}}`,
		`{"kind":"CronJob","spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"cron:1"}]}}}}}}`,
		`{"kind":"Pod","spec":{"containers":[{"image":"pod:1"}]}}`,
		`{"kind":"ConfigMap","data":{"image":"not-an-image"}}`,
	}
	var objs []*unstructured.Unstructured
	for _, d := range docs {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	got := strings.Join(FromObjects(objs), ",")
	if want := "app:1,cron:1,init:1,pod:1,side:1"; got != want {
		t.Fatalf("FromObjects = %s, want %s", got, want)
	}
}

func TestParseCrictlImages(t *testing.T) {
	h, err := parseCrictlImages([]byte(`{"images":[{"repoTags":["docker.io/curlimages/curl:8.11.1"],"repoDigests":["quay.io/cilium/cilium@sha256:1111111111111111111111111111111111111111111111111111111111111111"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]bool{ciliumRef: true, curlRef: true, "quay.io/cilium/cilium:v1.20.2": false, "curlimages/curl:8.12.0": false} {
		img, _ := Parse(ref)
		if h.has(img) != want {
			t.Errorf("has(%s) = %v, want %v", ref, !want, want)
		}
	}
	if _, err := parseCrictlImages([]byte("not json")); err == nil {
		t.Error("want an error for unparsable crictl output")
	}
}

func TestLoad(t *testing.T) {
	const curlOnNode = `{"images":[{"repoTags":["docker.io/curlimages/curl:8.11.1"],"repoDigests":[]}]}`
	worker := &fakeNode{name: "w", crictl: curlOnNode}
	control := &fakeNode{name: "cp", crictl: `{"images":[]}`}
	docker := &fakeDocker{host: map[string]bool{curlRef: true}}
	res, err := Load(context.Background(), LoadInput{Docker: docker, Nodes: []nodes.Node{control, worker}, Images: []string{ciliumRef, curlRef}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if strings.Join(res.Pulled, ",") != ciliumRef {
		t.Errorf("pulled %v, want only cilium (curl is on the host)", res.Pulled)
	}
	if strings.Join(res.Loaded, ",") != ciliumRef+","+curlRef || !res.Changed() {
		t.Errorf("loaded %v", res.Loaded)
	}
	if len(worker.imported) != 1 || len(control.imported) != 2 {
		t.Errorf("imports: worker %d (want 1, it has curl), control plane %d (want 2)", len(worker.imported), len(control.imported))
	}
	if want := "archive of quay.io/cilium/cilium:v1.20.2"; string(control.imported[0]) != want {
		t.Errorf("imported %q, want %q", control.imported[0], want)
	}
	if want := "quay.io/cilium/cilium:v1.20.2 -> quay.io/cilium/cilium@sha256:1111111111111111111111111111111111111111111111111111111111111111"; len(worker.tagged) != 1 || worker.tagged[0] != want {
		t.Errorf("node tags %v, want %q", worker.tagged, want)
	}
	if want := "quay.io/cilium/cilium@sha256:1111111111111111111111111111111111111111111111111111111111111111 -> quay.io/cilium/cilium:v1.20.2"; len(docker.tags) != 1 || docker.tags[0] != want {
		t.Errorf("host tags %v", docker.tags)
	}

	// Second run: nodes report what they hold, nothing is pulled or loaded.
	held := `{"images":[{"repoTags":["docker.io/curlimages/curl:8.11.1","quay.io/cilium/cilium:v1.20.2"],"repoDigests":["quay.io/cilium/cilium@sha256:1111111111111111111111111111111111111111111111111111111111111111"]}]}`
	worker.crictl, control.crictl = held, held
	res, err = Load(context.Background(), LoadInput{Docker: docker, Nodes: []nodes.Node{control, worker}, Images: []string{ciliumRef, curlRef}})
	if err != nil || res.Changed() || len(res.Present) != 2 {
		t.Fatalf("second Load = %+v, %v; want both present, nothing changed", res, err)
	}
}

func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, LoadInput{Docker: &fakeDocker{host: map[string]bool{}}, Nodes: []nodes.Node{&fakeNode{crictl: `{}`}}, Images: []string{curlRef}})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("error = %v, want context canceled", err)
	}
}

func TestLoadSavesHostPlatform(t *testing.T) {
	cases := []struct {
		name            string
		containerdStore bool
		wantOpts        int
	}{
		{"classic image store saves the image as it is", false, 0},
		{"containerd image store saves only the host's platform", true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docker := &fakeDocker{host: map[string]bool{}, containerdStore: c.containerdStore}
			node := &fakeNode{name: "cp", crictl: `{"images":[]}`}
			_, err := Load(t.Context(), LoadInput{Docker: docker, Nodes: []nodes.Node{node}, Images: []string{ciliumRef, curlRef}})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(docker.saveOpts) != 2 || docker.saveOpts[0] != c.wantOpts || docker.saveOpts[1] != c.wantOpts {
				t.Errorf("save options per image %v, want %d each", docker.saveOpts, c.wantOpts)
			}
		})
	}
}

func TestHostPlatform(t *testing.T) {
	info := client.ImageInspectResult{InspectResponse: image.InspectResponse{Os: "linux", Architecture: "arm64", Variant: "v8"}}
	if got := hostPlatform(info); got.OS != "linux" || got.Architecture != "arm64" || got.Variant != "v8" {
		t.Errorf("hostPlatform = %+v", got)
	}
	if opts := saveOptions(info); opts != nil {
		t.Errorf("saveOptions without a descriptor (classic store) = %d options, want none", len(opts))
	}
}
