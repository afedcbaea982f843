package app

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// buildCommit and buildModified are stamped by `make build` with
// -ldflags "-X ...", for builds whose Go toolchain records no VCS
// information (GOFLAGS=-buildvcs=false, or a build outside a git
// checkout). They are set at link time only, never at run time.
var (
	buildCommit   string
	buildModified string
)

// versionInfo names this build in a bug report.
type versionInfo struct {
	// Version is the main module's version: "(devel)" for a build from a
	// checkout, a release tag for `go install module@version`.
	Version string `json:"version"`
	// Commit is the git commit it was built from, "unknown" when the build
	// recorded none.
	Commit string `json:"commit"`
	// CommitTime is the commit's time, when the Go toolchain recorded it.
	CommitTime string `json:"commitTime,omitempty"`
	// Modified says the checkout had uncommitted changes.
	Modified bool `json:"modified,omitempty"`
	// CommitFrom says where Commit comes from: "go build" (its VCS stamp),
	// "make build" (-ldflags), or "" when unknown.
	CommitFrom string `json:"commitFrom,omitempty"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
	Cilium     struct {
		// Supported is the range of minors, "1.16 to 1.20".
		Supported string `json:"supported"`
		// Default is the release used when none is given.
		Default string `json:"default"`
		// Releases are each minor's default patch: the newest the project
		// knows, and what "1.N" means.
		Releases []string `json:"releases"`
	} `json:"cilium"`
}

// readVersion reads the build's own information (runtime/debug) and the
// Cilium releases sandbox/versions knows.
func readVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit, v.CommitFrom = s.Value, "go build"
			case "vcs.time":
				v.CommitTime = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.CommitFrom == "" && buildCommit != "" {
		v.Commit, v.CommitFrom, v.Modified = buildCommit, "make build", buildModified == "true"
	}
	v.Cilium.Supported, v.Cilium.Default = versions.SupportedRange(), versions.DefaultCilium
	for _, r := range versions.DefaultReleases() {
		v.Cilium.Releases = append(v.Cilium.Releases, r.String())
	}
	return v
}

// text is the version as `sandbox version` and `sandbox --version` print it.
func (v versionInfo) text() string {
	commit := v.Commit
	switch {
	case v.CommitFrom == "":
		commit += " (this build recorded no commit: it was built with -buildvcs=false or outside a git checkout; `make build` stamps it)"
	default:
		var notes []string
		if v.CommitTime != "" {
			notes = append(notes, v.CommitTime)
		}
		if v.Modified {
			notes = append(notes, "with uncommitted changes")
		}
		notes = append(notes, "from "+v.CommitFrom)
		commit += " (" + strings.Join(notes, ", ") + ")"
	}
	return fmt.Sprintf("sandbox %s\ncommit:  %s\ngo:      %s %s\ncilium:  %s, default %s; each minor's newest known patch: %s\n",
		v.Version, commit, v.GoVersion, v.Platform, v.Cilium.Supported, v.Cilium.Default, strings.Join(v.Cilium.Releases, ", "))
}

func newVersionCmd(s streams, _ *globalOptions) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print this build's version and commit, its Go version, and the Cilium releases it knows",
		Long: `Print the module version, the git commit the binary was built from (with its
time and whether the checkout had uncommitted changes), the Go version and
platform, and the Cilium releases the project knows: the supported minors, the
default release, and each minor's newest known patch (what "1.N" means).
sandbox --version prints the same text.` + exitCodes("printed", "", "bad flags"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := parseOutput(format)
			if err != nil {
				return err
			}
			v := readVersion()
			if o.structured() {
				return printData(s.out, o, v)
			}
			_, err = fmt.Fprint(s.out, v.text())
			return err
		},
	}
	bindOutput(cmd, &format, "output format")
	return cmd
}
