// Package browsertest drives the chat's page in a real headless Chromium,
// with chromedp. It is a module of its own, so that the browser driver and
// its protocol bindings stay out of troupe's go.mod: a user of troupe
// never downloads them. Run it from this directory:
//
//	go test -race ./...
//
// Without Chromium the test is skipped, unless TROUPE_REQUIRE_CHROMIUM is
// set (as CI sets it): then it fails.
package browsertest
