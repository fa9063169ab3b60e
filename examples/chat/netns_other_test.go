//go:build unix && !linux

package main

import (
	"errors"
	"syscall"
)

// netnsAttr has no namespace to offer beyond Linux: the tutorial runs on
// this machine's loopback.
func netnsAttr() *syscall.SysProcAttr { return nil }

func loopbackUp() error { return errors.New("network namespaces are Linux's") }
