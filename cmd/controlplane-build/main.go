// Command controlplane-build builds the hermetic control plane's binaries
// (kube-apiserver and etcd) from the Go module proxy into a cache directory,
// once per machine. It prints the directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic/assets"
)

func main() {
	var opts assets.BuildOptions
	flag.StringVar(&opts.Dir, "dir", "", "directory for the binaries (default: the per-user cache, or $"+assets.DirEnv+")")
	flag.BoolVar(&opts.Force, "force", false, "rebuild binaries already present")
	verbose := flag.Bool("v", false, "show the go command's output")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "controlplane-build: unexpected argument %q (it takes only flags; see -h)\n", flag.Arg(0))
		os.Exit(2)
	}
	if *verbose {
		opts.Log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := assets.Build(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "controlplane-build:", err)
		os.Exit(1)
	}
	for _, name := range res.Built {
		fmt.Fprintf(os.Stderr, "built %s in %s\n", name, res.Durations[name].Round(1e9))
	}
	if len(res.Built) == 0 {
		fmt.Fprintln(os.Stderr, "binaries already built")
	}
	fmt.Println(res.Dir)
}
