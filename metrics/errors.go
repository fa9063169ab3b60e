package metrics

import "errors"

var (
	// ErrNilRegisterer is returned by New for a nil registerer: the package
	// never falls back on prometheus.DefaultRegisterer.
	ErrNilRegisterer = errors.New("metrics: nil prometheus.Registerer")

	// ErrNilSystem is returned by Observe for a nil System.
	ErrNilSystem = errors.New("metrics: nil actor.System")

	// ErrNilNode is returned by ObserveNode for a nil node.
	ErrNilNode = errors.New("metrics: nil node")

	// ErrNilCluster is returned by ObserveCluster for a nil cluster member.
	ErrNilCluster = errors.New("metrics: nil cluster")
)
