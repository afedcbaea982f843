package app

import "github.com/spf13/cobra"

func newStatusCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("status") }
