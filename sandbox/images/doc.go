// Package images derives the sandbox's image list from rendered charts,
// pulls each image once on the host through the Docker Engine API and loads
// it into the kind nodes, skipping what a node already holds, so a second
// cluster does not download the images again.
package images
