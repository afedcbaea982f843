// Package release wraps the Helm SDK: loading charts (embedded, from a
// directory, or from a repository), rendering them offline exactly as
// `helm template` would, and ensuring a release is installed or upgraded.
package release
