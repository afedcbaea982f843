package pipeline

import (
	"strings"
	"testing"
)

func TestUpStagesOrder(t *testing.T) {
	var got []string
	for _, s := range upStages() {
		var names []string
		for _, st := range s {
			names = append(names, st.Name)
		}
		got = append(got, strings.Join(names, "+"))
	}
	want := "preflight > cluster+charts > images > cilium+cert-manager > trust-manager > chart > workload"
	if strings.Join(got, " > ") != want {
		t.Fatalf("stages = %s, want %s", strings.Join(got, " > "), want)
	}
}
