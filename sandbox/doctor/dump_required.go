package doctor

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ErrIncompleteDump means a dump directory lacks what the checks need, or
// holds more than one dump; the doctor cannot judge it.
var ErrIncompleteDump = errors.New("incomplete dump")

// requiredKinds are the kinds a dump must hold (an empty List counts) for
// the doctor to say anything: the agents, cilium-config and the policies.
// Without them every check would skip, and "no root cause" would mean
// "nothing looked at". Other kinds may be left out: their checks skip.
func requiredKinds() []dumpKind {
	var out []dumpKind
	for _, k := range dumpKinds() {
		switch k.kind {
		case KindDaemonSet, KindConfigMap, KindPolicy:
			out = append(out, k)
		}
	}
	return out
}

// requiredCommands lists the kubectl commands that dump the required kinds.
func requiredCommands() string {
	var cmds []string
	for _, k := range requiredKinds() {
		cmds = append(cmds, fmt.Sprintf("`kubectl get %s -o yaml > %s.yaml`", k.kubectl, k.aliases[0]))
	}
	return strings.Join(cmds, ", ")
}

// requireKinds fails naming each required kind the dump lacks.
func (s *State) requireKinds(dir string) error {
	var lacking []string
	for _, k := range requiredKinds() {
		if _, missing := s.Missing[k.kind]; missing {
			lacking = append(lacking, fmt.Sprintf("%s (`kubectl get %s -o yaml > %s.yaml`)", k.kind, k.kubectl, k.aliases[0]))
		}
	}
	if len(lacking) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s has no %s; the checks cannot run without them (an empty List file counts: it says the cluster has none)",
		ErrIncompleteDump, dir, strings.Join(lacking, ", nor "))
}

// checkOneDump fails when an object of file was already read from another
// file: a directory holding several dumps (fixtures/states, say) would
// otherwise be merged into one state that no cluster ever had.
func checkOneDump(dir, file string, objs []*unstructured.Unstructured, where map[string]string) error {
	for _, u := range objs {
		key := u.GetKind() + " " + objectName(u)
		if prev, seen := where[key]; seen && prev != file {
			return fmt.Errorf("%w: %s holds several dumps, or one object twice: %s is in %s and in %s; give --from one dump directory",
				ErrIncompleteDump, dir, key, relTo(dir, prev), relTo(dir, file))
		}
		where[key] = file
	}
	return nil
}

// relTo returns file relative to dir when it can.
func relTo(dir, file string) string {
	if rel, err := filepath.Rel(dir, file); err == nil {
		return rel
	}
	return file
}
