package app

import "github.com/spf13/cobra"

func newDoctorCmd(s streams, g *globalOptions) *cobra.Command { return notImplemented("doctor") }
