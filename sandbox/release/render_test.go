package release

import (
	"context"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
)

// orderedChart is a chart of n ConfigMaps whose names sort differently from
// their order in the manifest, and a hook.
func orderedChart(n int) *chart.Chart {
	var tpl strings.Builder
	for i := n; i > 0; i-- {
		tpl.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" + strings.Repeat("x", i) + "\n")
	}
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "test", Version: "0.1.0"},
		Templates: []*chart.File{
			{Name: "templates/cms.yaml", Data: []byte(tpl.String())},
			{Name: "templates/hook.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hook\n  annotations:\n    helm.sh/hook: pre-install\n")},
			{Name: "templates/NOTES.txt", Data: []byte("release {{ .Release.Name }}")},
		},
	}
}

func TestRenderDocumentsInOrder(t *testing.T) {
	r, err := Render(context.Background(), RenderInput{Chart: orderedChart(12), ReleaseName: "r", Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 13 {
		t.Fatalf("got %d objects, want 12 manifests and 1 hook", len(objs))
	}
	for i := 0; i < 12; i++ {
		if want := "cm-" + strings.Repeat("x", 12-i); objs[i].GetName() != want {
			t.Fatalf("object %d is %s, want %s (manifest order)", i, objs[i].GetName(), want)
		}
	}
	if objs[12].GetName() != "hook" {
		t.Errorf("last object is %s, want the hook", objs[12].GetName())
	}
	if r.Notes != "release r" {
		t.Errorf("Notes = %q, want %q", r.Notes, "release r")
	}
}

func TestRenderRejectsBadKubeVersion(t *testing.T) {
	_, err := Render(context.Background(), RenderInput{Chart: orderedChart(1), ReleaseName: "r", KubeVersion: "one-thirty"})
	if err == nil || !strings.Contains(err.Error(), `"one-thirty"`) {
		t.Fatalf("Render with a bad kube version = %v, want an error naming it", err)
	}
}
