// Command sandbox brings up and checks a kind cluster where Cilium's Envoy
// intercepts pods' egress TLS; see README.md.
package main

import (
	"os"

	"github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app"
)

func main() { os.Exit(app.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
