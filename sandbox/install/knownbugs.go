package install

import (
	"fmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// knownBugs returns the warnings about the known bugs of the running
// release (its image tag, "1.20.0") that every interception install meets;
// nil for a release the project cannot read or does not support.
func knownBugs(release string) []string {
	v, err := versions.ParseCilium(release)
	if err != nil {
		return nil
	}
	return versions.InstallWarningTexts(v)
}

// knownBugsNote is the cilium step's addition when the release has known
// bugs, so they show before the install acts.
func knownBugsNote(warnings []string) string {
	switch len(warnings) {
	case 0:
		return ""
	case 1:
		return "; warning: " + warnings[0]
	}
	return fmt.Sprintf("; warning: %s (and %d more known bugs, in the report)", warnings[0], len(warnings)-1)
}
