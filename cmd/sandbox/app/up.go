package app

import "github.com/spf13/cobra"

func newUpCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("up") }
