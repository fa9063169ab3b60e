// Package netx holds the small network rules that the stream server and
// the node share, so that both read an address, and decide whether a TLS
// config can serve, in the same way.
package netx
