// Command rttfloor measures the floor under a remote request's round trip
// on this machine, with no framework: sequential round trips over loopback
// TCP, first with one goroutine on each side that reads and writes, then in
// the shape a troupe node gives them (a reader, an actor and a writer
// goroutine on each side, joined by channels), and prints the median and
// the 99th percentile of each. With -direct, the shaped run has the caller
// and the actor write to the socket themselves instead of waking a writer.
// docs/benchmarks.md compares troupe's BenchmarkNodeRequest with them.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"time"
)

func main() {
	n := flag.Int("n", 100000, "round trips per run")
	flag.BoolVar(&direct, "direct", false, "in the shaped run, the caller and the actor write to the socket themselves")
	flag.Parse()
	for _, shaped := range []bool{false, true} {
		lat, err := run(*n, shaped)
		if err != nil {
			log.Fatal(err)
		}
		slices.Sort(lat)
		name := "bare ping-pong"
		switch {
		case shaped && direct:
			name = "reader and actor, writing themselves"
		case shaped:
			name = "reader, actor and writer goroutines"
		}
		fmt.Printf("%-38s p50 %-10v p99 %v\n", name, lat[len(lat)/2], lat[len(lat)*99/100])
	}
}

// direct is the -direct flag.
var direct bool

// size is the bytes of one request or reply, about a small Message frame.
const size = 40

// run makes n sequential round trips and returns their durations.
func run(n int, shaped bool) ([]time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	go serve(ln, shaped)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return nil, err
	}
	defer c.Close()
	send, recv := func(b []byte) { c.Write(b) }, func(b []byte) error { _, err := io.ReadFull(c, b); return err }
	if shaped {
		out, in := writer(c), reader(c)
		if !direct {
			send = func(b []byte) { out <- b }
		}
		recv = func([]byte) error {
			if _, ok := <-in; !ok {
				return io.ErrUnexpectedEOF
			}
			return nil
		}
	}
	msg, buf := make([]byte, size), make([]byte, size)
	lat := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		send(msg)
		if err := recv(buf); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// serve answers every request on the one connection it accepts.
func serve(ln net.Listener, shaped bool) {
	c, err := ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	if !shaped {
		b := make([]byte, size)
		for {
			if _, err := io.ReadFull(c, b); err != nil {
				return
			}
			c.Write(b)
		}
	}
	out := writer(c)
	for b := range reader(c) { // the actor: answers each request
		if direct {
			c.Write(b)
		} else {
			out <- b
		}
	}
}

// writer starts a goroutine that writes what it is given to c.
func writer(c net.Conn) chan<- []byte {
	ch := make(chan []byte, 64)
	go func() {
		for b := range ch {
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}()
	return ch
}

// reader starts a goroutine that reads requests of size bytes from c.
func reader(c net.Conn) <-chan []byte {
	ch := make(chan []byte, 64)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, size)
			if _, err := io.ReadFull(c, b); err != nil {
				return
			}
			ch <- b
		}
	}()
	return ch
}
