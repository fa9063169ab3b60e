// Package bench is the shared half of the comparison: the Framework
// interface that each framework under test implements (one file each),
// the workloads and their sizes, the Result a trial reports, and the
// checks and meters every framework uses alike: per-sender order and loss
// (Sink), peak heap (HeapSampler), memory per actor, latency percentiles,
// server processes (StartSelf, Serve) and the line echo client.
//
// A framework that does not have a workload returns an error wrapping
// ErrNotApplicable, usually by embedding Unsupported.
package bench
