package doctor

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/homedir"
)

// homeKubeconfig is ~/.kube/config for the current $HOME (client-go's
// RecommendedHomeFile is fixed when the program starts).
func homeKubeconfig() string {
	return filepath.Join(homedir.HomeDir(), clientcmd.RecommendedHomeDir, clientcmd.RecommendedFileName)
}

// loadingRules are client-go's default rules: the explicit path, else the
// files of $KUBECONFIG (env), else home. They never migrate or write a file.
func loadingRules(explicit, env, home string) *clientcmd.ClientConfigLoadingRules {
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: explicit, Precedence: []string{home}}
	if env != "" {
		rules.Precedence = filepath.SplitList(env)
	}
	return rules
}

// noKubeconfig says why no cluster was found without --kubeconfig: what
// $KUBECONFIG names, or that it is unset and the home file is absent.
func noKubeconfig(env, home string) error {
	if env != "" {
		return fmt.Errorf("no kubeconfig: $KUBECONFIG is %q, and no file it names holds a cluster (missing or empty); "+
			"point it at a kubeconfig, give --kubeconfig, or --from a dump directory", env)
	}
	return fmt.Errorf("no kubeconfig: $KUBECONFIG is unset and %s does not exist or is empty; give --kubeconfig, or --from a dump directory", home)
}
