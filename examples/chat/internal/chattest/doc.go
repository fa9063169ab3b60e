// Package chattest holds what the chat's tests share: nodes stopped at the
// end of a test, networks of them that know each other's rooms, and plain
// HTTP requests read whole. Package chat's own tests use it, and so does
// the browser test, which lives in a module of its own (browsertest) so
// that its browser driver never becomes a dependency of troupe.
package chattest
