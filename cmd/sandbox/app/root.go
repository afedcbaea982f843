package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Exit codes shared by every command.
const (
	ExitOK = 0
	// ExitFailed: the command ran and found a failure (a failed check, a failed step).
	ExitFailed = 1
	// ExitUsage: the command could not run (bad flags, bad values, unreachable cluster).
	ExitUsage = 2
)

// streams are the command's standard streams.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// globalOptions are the flags every command accepts.
type globalOptions struct {
	verbosity int
}

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
	// reported: the command's own report already said what failed, so
	// Main prints no "Error:" line under it.
	reported bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode marks err so that Main exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// reported marks err, a failure the command's report has already stated,
// so that Main exits with code without repeating it on an "Error:" line.
func reported(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err, reported: true}
}

// Main runs the sandbox command with args and returns the process exit code.
// Ctrl-C cancels the running command's context, which then cleans up (a
// half-created cluster is removed); a second Ctrl-C kills the process.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore the default handling for the next signal
	}()
	s := streams{in: in, out: out, err: errOut}
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.reported && ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(errOut, "Error:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(errOut, "Error:", err)
	return ExitFailed
}

func newRootCmd(s streams) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "sandbox",
		Short: "A kind sandbox where Cilium's Envoy intercepts pods' egress TLS, and the tools that prove it",
		Long: `A kind sandbox where Cilium's Envoy intercepts pods' egress TLS, and the tools
that prove it: up, down, status and plan for the sandbox; render and lint for the
chart and your own manifests; doctor for why interception is not active; install
for a cluster of your own; matrix across Cilium releases.` +
			exitCodes("done: the check passed, the step succeeded", "a check or a step failed (the command's report says which)",
				"the command could not run: bad flags or values, no Docker, an unreachable cluster"),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	v := readVersion()
	root.Version = v.Version
	root.SetVersionTemplate(v.text())
	root.PersistentFlags().CountVarP(&g.verbosity, "verbose", "v", "more output (repeat for more)")
	// A flag that does not parse (an unknown flag, --cilium-version 1.15.0)
	// is a usage error, as every other bad input is.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withCode(ExitUsage, err) })
	root.AddCommand(subcommands(s, g)...)
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unknown command %q for %q (see sandbox --help)", args[0], cmd.CommandPath())
		}
		return nil
	}
	root.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	helpExitCodes(root)
	usageErrors(root)
	return root
}

// usageErrors makes every flag and argument error of cmd and its
// subcommands exit with ExitUsage, as the commands' own checks of their
// input do.
func usageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withCode(ExitUsage, err) })
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			err := args(c, a)
			var ee *exitError
			if err == nil || errors.As(err, &ee) {
				return err
			}
			return withCode(ExitUsage, err)
		}
	}
	for _, sub := range cmd.Commands() {
		usageErrors(sub)
	}
}

// subcommands lists every command of the tool; each lives in its own file.
func subcommands(s streams, g *globalOptions) []*cobra.Command {
	return []*cobra.Command{
		newRenderCmd(s, g),
		newUpCmd(s, g),
		newDownCmd(s, g),
		newStatusCmd(s, g),
		newPlanCmd(s, g),
		newDoctorCmd(s, g),
		newMatrixCmd(s, g),
		newInstallCmd(s, g),
		newUninstallCmd(s, g),
		newLintCmd(s, g),
		newVersionCmd(s, g),
		newVersionsCmd(s, g),
	}
}

// warnUnknownPatch warns on w when v is a patch release the project does not
// know (versions.Cilium.UnknownPatchWarning).
func warnUnknownPatch(w io.Writer, v versions.Cilium) {
	if msg := v.UnknownPatchWarning(); msg != "" {
		fmt.Fprintln(w, "Warning:", msg)
	}
}

// notImplemented is the placeholder for a command whose issue has not landed.
func notImplemented(name string) *cobra.Command {
	return &cobra.Command{
		Use:   name,
		Short: "(not implemented yet)",
		RunE: func(*cobra.Command, []string) error {
			return withCode(ExitUsage, fmt.Errorf("sandbox %s is not implemented yet", name))
		},
	}
}
