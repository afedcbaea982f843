package matrix

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

// Discover runs the suite in e2e-framework's dry-run mode (no setup, no
// assessment bodies) once per scenario with --labels scenario=<ID>, and
// returns feature test name -> scenario ID. A feature is a test the label
// filter skipped in some run; it belongs to the scenario whose run did not
// skip it. Tests no run skipped by label (plain unit tests) are not
// features and map to nothing.
func (g GoTest) Discover(ctx context.Context, bin string, in ScenarioInput) (map[string]string, error) {
	others := otherLabels(in.Labels)
	skippedIn := map[string]map[string]bool{} // feature -> IDs whose run skipped it
	ranIn := map[string]map[string]bool{}     // test -> IDs whose run ran it
	for _, id := range scenario.All() {
		probe := in
		probe.Labels = strings.Trim(others+","+scenario.Label+"="+id, ",")
		argv := g.RunCommand(bin, probe, "--dry-run")
		stdout, stderr, err := g.run(ctx, argv, nil)
		skipped, ran := labelSkips(stdout)
		if err != nil && len(skipped)+len(ran) == 0 {
			return nil, commandError("discover scenarios", argv, err, nil, append(stdout, stderr...))
		}
		for name := range skipped {
			add(skippedIn, name, id)
		}
		for name := range ran {
			add(ranIn, name, id)
		}
	}
	features := map[string]string{}
	for name := range skippedIn {
		for id := range ranIn[name] {
			if !skippedIn[name][id] {
				features[name] = id
			}
		}
	}
	return features, nil
}

func add(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

// otherLabels returns the label filter without its scenario key.
func otherLabels(labels string) string {
	var keep []string
	for _, part := range strings.Split(labels, ",") {
		k, _, _ := strings.Cut(part, "=")
		if part != "" && strings.TrimSpace(k) != scenario.Label {
			keep = append(keep, strings.TrimSpace(part))
		}
	}
	return strings.Join(keep, ",")
}

// labelSkips reads test2json events and returns the tests e2e-framework's
// label filter skipped and the tests that ended any other way.
func labelSkips(events []byte) (skipped, ran map[string]bool) {
	skipped, ran = map[string]bool{}, map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(events))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var ev TestEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil || ev.Test == "" {
			continue
		}
		switch ev.Action {
		case "output":
			if m := goTestLine.FindStringSubmatch(strings.TrimRight(ev.Output, "\n")); m != nil && unmatchedLabels.MatchString(m[1]) {
				skipped[ev.Test] = true
			}
		case "pass", "fail", "skip":
			ran[ev.Test] = true
		}
	}
	for name := range skipped {
		delete(ran, name)
	}
	return skipped, ran
}
