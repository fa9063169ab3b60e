// Package backoff is the one capped, jittered exponential delay that the
// supervisor (between restarts), the node (between connection attempts)
// and the stream server (between accept retries) wait by.
package backoff
