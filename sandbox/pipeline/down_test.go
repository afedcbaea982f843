package pipeline

import (
	"context"
	"testing"
)

// deleteRecorder is a kind that holds the clusters in exists.
type deleteRecorder struct {
	exists  map[string]bool
	deleted []string
}

func (k *deleteRecorder) Exists(name string) (bool, error) { return k.exists[name], nil }
func (k *deleteRecorder) Delete(name, _ string) error {
	k.deleted = append(k.deleted, name)
	delete(k.exists, name)
	return nil
}

func TestDownSaysWhetherItDeleted(t *testing.T) {
	k := &deleteRecorder{exists: map[string]bool{"a": true}}
	for _, c := range []struct {
		name string
		want bool
	}{{"a", true}, {"a", false}, {"b", false}} {
		rep, err := down(context.Background(), Options{ClusterName: c.name}, k, func(context.Context) error { return nil })
		if err != nil || rep.Changed() != c.want {
			t.Errorf("down(%s) = %+v, %v; want changed %v", c.name, rep, err, c.want)
		}
	}
	if len(k.deleted) != 1 {
		t.Errorf("deleted %v, want a once", k.deleted)
	}
}
