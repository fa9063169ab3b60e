// Package apicheck checks a package's exported API as go doc shows it, for
// the tests of every package in the module: each package's TestExportedAPI
// calls Check on its own directory, so an exported name without a doc
// comment, or an option type that shows an unexported one, fails the build.
package apicheck
