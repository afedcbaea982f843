package app

import "github.com/spf13/cobra"

func newDownCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("down") }
