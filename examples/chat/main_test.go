package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 15 * time.Second

// The demo prints its gateway's URL, serves the rooms foo and bar there,
// and stops cleanly when its context ends.
func TestDemoServesUntilStopped(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-http", "127.0.0.1:0"}, strings.NewReader(""), outW, io.Discard)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	var url string
	for url == "" && lines.Scan() {
		url = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`).FindString(lines.Text())
	}
	if url == "" {
		t.Fatal("the demo printed no URL")
	}
	go io.Copy(io.Discard, outR)

	res, err := http.Get(url + "/rooms")
	if err != nil {
		t.Fatal(err)
	}
	var rooms []struct{ Name string }
	err = json.NewDecoder(res.Body).Decode(&rooms)
	res.Body.Close()
	if err != nil || len(rooms) != 2 || rooms[0].Name != "bar" || rooms[1].Name != "foo" {
		t.Fatalf("rooms: %+v, %v", rooms, err)
	}
	http.DefaultClient.CloseIdleConnections()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("the demo did not stop")
	}
}

func TestDurationBoundsTheDemo(t *testing.T) {
	err := run(context.Background(), []string{"-duration", "50ms"}, strings.NewReader(""), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-client"}, {"extra"}, {"-nope"}} {
		if err := run(context.Background(), args, strings.NewReader(""), io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
