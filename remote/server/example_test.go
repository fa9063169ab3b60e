package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"github.com/troupe-go/troupe/remote/server"
)

// A line echo server on a free port: start it, talk to it, stop it.
func ExampleServer() {
	srv := server.New("127.0.0.1:0", func(ctx context.Context, conn net.Conn) {
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			return
		}
		fmt.Fprintf(conn, "echo: %s", line)
	})
	if err := srv.Start(); err != nil {
		fmt.Println(err)
		return
	}

	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintln(conn, "hello")
	reply, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(reply)
	conn.Close()

	fmt.Println(srv.Stop(context.Background()))
	// Output:
	// echo: hello
	// <nil>
}

// Serving until Ctrl-C or SIGTERM, which stop the server, not the process.
func ExampleSetOnSignal() {
	srv := server.New("127.0.0.1:7000", func(ctx context.Context, conn net.Conn) {
		// serve conn until ctx is done
	})
	stop := server.NewEvent()
	undo := server.SetOnSignal(stop, os.Interrupt, syscall.SIGTERM)
	defer undo()
	srv.StopOn(stop)

	if err := srv.Serve(); !errors.Is(err, server.ErrClosed) {
		fmt.Println("server failed:", err)
		return
	}
	fmt.Println("server stopped; the program goes on")
}

// An Event set by one goroutine, seen by another.
func ExampleEvent() {
	ready := server.NewEvent()
	go ready.Set()
	if err := ready.Wait(context.Background()); err == nil {
		fmt.Println("set:", ready.IsSet())
	}
	// Output:
	// set: true
}
