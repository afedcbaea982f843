package app

import "github.com/spf13/cobra"

func newRenderCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("render") }
