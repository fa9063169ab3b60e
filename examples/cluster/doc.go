// Command cluster starts three members of a troupe cluster in one process
// and shows what virtual actors (grains) do.
//
// Each member is an actor.System with a remote.Node on its own loopback
// port and a cluster.Cluster beside it, hosting the kind "account": a
// grain that keeps a balance, loads it from a store when it starts and
// saves it when it stops. The program deposits into a few accounts from
// every member in turn (each account lives on one member, whichever is
// asked), prints where each lives, then stops one member gracefully: its
// accounts save their balances and stop, the others take them over on the
// next deposit, and no balance is lost. Last, it closes another member
// abruptly, as a crash would: its accounts come back on the last member
// with the balance they last saved.
//
//	go run ./examples/cluster
//
// docs/guide/cluster.md explains the guarantees and the failure cases.
package main
