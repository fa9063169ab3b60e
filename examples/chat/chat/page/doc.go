// Package page holds the chat's web page: one HTML file, one script and one
// style sheet, embedded in the binary with package embed. No framework, no
// build step: what is in this directory is what the browser gets.
//
// The page asks for a name and a room, shows the room's backlog, then
// follows the person's event stream (server-sent events) and posts what is
// typed. Every piece of user text reaches the document as a text node
// (textContent), never as markup, and the gateway serves the page with a
// Content-Security-Policy that allows no inline script besides: a posted
// <script> is shown, not run. When the stream breaks (the node restarted),
// EventSource reconnects by itself, and the page joins its room again on
// every reconnection.
package page
