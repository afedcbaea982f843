// Package app holds the sandbox command's cobra commands. Each command only
// parses flags into the options struct of a library package and calls it;
// all behaviour lives under sandbox/.
package app
