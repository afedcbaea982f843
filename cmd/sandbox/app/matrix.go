package app

import "github.com/spf13/cobra"

func newMatrixCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("matrix") }
