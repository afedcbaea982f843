package app

import "github.com/spf13/cobra"

func newPlanCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("plan") }
