// Package kubeconfig opens the kubeconfig of an existing cluster as
// client-go's default rules find it (an explicit file, else the files of
// $KUBECONFIG, else ~/.kube/config) and, when there is none, says what was
// looked at, so that every command reaching a cluster of the user's words
// a missing kubeconfig the same way.
package kubeconfig
