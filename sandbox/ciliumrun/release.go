package ciliumrun

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ciliumModule is the Go module of Cilium's agent and operator.
const ciliumModule = "github.com/cilium/cilium"

func wireVersion() int { return wire.Version }

// setRelease makes the assembled module in mod build Cilium v. The module
// is written for the minor's default patch; for another patch go.mod is
// rewritten to require only that release, with the replace directives of
// its own go.mod repeated (a module requiring Cilium does not inherit
// them) except those the default patch's go.mod.in leaves out (forks the
// module proxy does not serve), and `go mod tidy` resolves the rest
// through the module proxy.
func (b *Builder) setRelease(ctx context.Context, goTool, mod string, v versions.Cilium) error {
	gomod := filepath.Join(mod, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return fmt.Errorf("helper go.mod.in of Cilium %s: %w", v.MinorString(), err)
	}
	want := "v" + v.String()
	if requiredVersion(f, ciliumModule) == want {
		return nil
	}
	b.progressf("  resolving Cilium %s's modules through the Go module proxy (go mod tidy)", v)
	theirs, err := b.ciliumGoMod(ctx, goTool, mod, want)
	if err != nil {
		return err
	}
	if usesEnvoyProtosCopy(theirs) {
		b.progressf("  Cilium %s's cilium/proxy carries its own copy of Envoy's protos: the helper imports it", v)
		if err := useEnvoyProtosCopy(mod); err != nil {
			return err
		}
	}
	next, err := releaseGoMod(f, theirs, want)
	if err != nil {
		return err
	}
	if err := os.WriteFile(gomod, next, 0o644); err != nil {
		return err
	}
	start := time.Now()
	done := make(chan struct{})
	b.tick(done, start, func() string {
		return fmt.Sprintf("  resolving Cilium %s's modules (%s)", v, time.Since(start).Round(time.Second))
	})
	_, err = b.output(ctx, mod, goTool, "mod", "tidy", "-e")
	close(done)
	if err != nil {
		return fmt.Errorf("could not resolve the modules of Cilium %s through the Go module proxy: %w", v, err)
	}
	return checkRelease(gomod, want)
}

// checkRelease fails when tidy moved go.mod off Cilium version: it does so
// when the glue imports a package the release lacks, finding a Cilium that
// has it, and the helper would then run another release's code.
func checkRelease(gomod, want string) error {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return err
	}
	f, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return err
	}
	if got := requiredVersion(f, ciliumModule); got != want {
		return fmt.Errorf("the helper glue for Cilium %s imports packages %s@%s lacks (go mod tidy moved to %s): it needs glue for this patch", want, ciliumModule, want, got)
	}
	return nil
}

// ciliumGoMod downloads Cilium's module at version and returns its go.mod.
func (b *Builder) ciliumGoMod(ctx context.Context, goTool, dir, version string) (*modfile.File, error) {
	out, err := b.output(ctx, dir, goTool, "mod", "download", "-json", ciliumModule+"@"+version)
	var info struct{ GoMod, Error string }
	_ = json.Unmarshal([]byte(out), &info)
	if err != nil || info.Error != "" || info.GoMod == "" {
		return nil, fmt.Errorf("could not fetch %s@%s through the Go module proxy: %s %v", ciliumModule, version, info.Error, err)
	}
	data, err := os.ReadFile(info.GoMod)
	if err != nil {
		return nil, err
	}
	return modfile.Parse(info.GoMod, data, nil)
}

// releaseGoMod is the helper's go.mod for Cilium version: ours (the
// default patch's) with its requirements replaced by Cilium's and the
// sandbox's wire module, and Cilium's replaces repeated for the modules
// ours replaces too.
func releaseGoMod(ours, theirs *modfile.File, version string) ([]byte, error) {
	keep := map[string]bool{}
	for _, r := range ours.Replace {
		keep[r.Old.Path] = true
	}
	out := &modfile.File{}
	if err := out.AddModuleStmt(ours.Module.Mod.Path); err != nil {
		return nil, err
	}
	goVersion := ours.Go.Version
	if theirs.Go != nil && semver.Compare("v"+theirs.Go.Version, "v"+goVersion) > 0 {
		goVersion = theirs.Go.Version
	}
	if err := out.AddGoStmt(goVersion); err != nil {
		return nil, err
	}
	for _, req := range []struct{ path, version string }{{mainModulePath, requiredVersion(ours, mainModulePath)}, {ciliumModule, version}} {
		if err := out.AddRequire(req.path, req.version); err != nil {
			return nil, err
		}
	}
	for _, r := range ours.Replace {
		if r.Old.Path == mainModulePath {
			if err := out.AddReplace(r.Old.Path, r.Old.Version, r.New.Path, r.New.Version); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range theirs.Replace {
		if keep[r.Old.Path] && r.Old.Path != mainModulePath {
			if err := out.AddReplace(r.Old.Path, r.Old.Version, r.New.Path, r.New.Version); err != nil {
				return nil, err
			}
		}
	}
	out.Cleanup()
	return out.Format()
}

// requiredVersion is the version f requires of path, "" when none.
func requiredVersion(f *modfile.File, path string) string {
	for _, r := range f.Require {
		if r.Mod.Path == path {
			return r.Mod.Version
		}
	}
	return ""
}

// droppedReplaces lists, ";"-separated, the replace directives of Cilium
// v's go.mod that the helper module in mod does not repeat, for the
// helper to name (the module proxy does not serve their targets).
func (b *Builder) droppedReplaces(ctx context.Context, goTool, mod string, v versions.Cilium) (string, error) {
	theirs, err := b.ciliumGoMod(ctx, goTool, mod, "v"+v.String())
	if err != nil {
		return "", err
	}
	gomod := filepath.Join(mod, "go.mod")
	data, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	ours, err := modfile.Parse(gomod, data, nil)
	if err != nil {
		return "", err
	}
	kept := map[string]bool{}
	for _, r := range ours.Replace {
		kept[r.Old.Path] = true
	}
	var out []string
	for _, r := range theirs.Replace {
		if !kept[r.Old.Path] {
			out = append(out, fmt.Sprintf("%s => %s %s", r.Old.Path, r.New.Path, r.New.Version))
		}
	}
	return strings.Join(out, ";"), nil
}
