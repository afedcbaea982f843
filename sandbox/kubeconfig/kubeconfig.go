package kubeconfig

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/homedir"
)

// ErrNone means no kubeconfig was given and none was found where
// client-go looks: the error wrapping it says where that was.
var ErrNone = errors.New("no kubeconfig")

// Opened is a kubeconfig loaded for one context.
type Opened struct {
	// REST is the configuration of the chosen context's cluster.
	REST *rest.Config
	// Raw is the merged kubeconfig.
	Raw clientcmdapi.Config
	// Context is the context used: the one asked for, else the current one.
	Context string
}

// Open loads the kubeconfig at path (empty: the files of $KUBECONFIG, else
// ~/.kube/config, both looked up when called) for kubeContext (empty: its
// current context). Without a path, finding no cluster is an error
// wrapping ErrNone that names $KUBECONFIG's value, or says it is unset and
// which home file is missing. Nothing is written or migrated.
func Open(path, kubeContext string) (*Opened, error) {
	env, home := os.Getenv(clientcmd.RecommendedConfigPathEnvVar), homeFile()
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules(path, env, home), &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil && path == "" && clientcmd.IsEmptyConfig(err) {
		return nil, none(env, home)
	}
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %q: %w", path, err)
	}
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %q: %w", path, err)
	}
	return &Opened{REST: cfg, Raw: raw, Context: cmp.Or(kubeContext, raw.CurrentContext)}, nil
}

// Describe names the cluster: its context and API server.
func (o *Opened) Describe() string {
	if o.Context == "" {
		return o.REST.Host
	}
	return fmt.Sprintf("context %q (%s)", o.Context, o.REST.Host)
}

// homeFile is ~/.kube/config for the current $HOME (client-go's
// RecommendedHomeFile is fixed when the program starts).
func homeFile() string {
	return filepath.Join(homedir.HomeDir(), clientcmd.RecommendedHomeDir, clientcmd.RecommendedFileName)
}

// rules are client-go's default rules: the explicit path, else the files
// of $KUBECONFIG (env), else home. They never migrate or write a file.
func rules(explicit, env, home string) *clientcmd.ClientConfigLoadingRules {
	r := &clientcmd.ClientConfigLoadingRules{ExplicitPath: explicit, Precedence: []string{home}}
	if env != "" {
		r.Precedence = filepath.SplitList(env)
	}
	return r
}

// none says why no cluster was found without a path: what $KUBECONFIG
// names, or that it is unset and the home file is absent.
func none(env, home string) error {
	if env != "" {
		return fmt.Errorf("%w: $KUBECONFIG is %q, and no file it names holds a cluster (missing or empty); point it at a kubeconfig, or give --kubeconfig",
			ErrNone, env)
	}
	return fmt.Errorf("%w: $KUBECONFIG is unset and %s does not exist or is empty; give --kubeconfig", ErrNone, home)
}
