package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/troupe-go/troupe/actor"
)

// httpError is an error with the HTTP status that tells it.
type httpError struct {
	status     int
	err        error
	retryAfter int64 // seconds, for 429 and 503; 0: no header
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// errorBody is the JSON body of every 4xx and 5xx answer of the API.
type errorBody struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// statusOf maps an error to its HTTP status.
func statusOf(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var mb *http.MaxBytesError
	st := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrUserGone):
		st = http.StatusGone
	case errors.Is(err, ErrEmptyText), errors.Is(err, ErrInvalidUTF8), errors.Is(err, ErrBadName):
		st = http.StatusBadRequest
	case errors.Is(err, ErrTextTooLong), errors.As(err, &mb):
		st = http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrUnknownRoom), errors.Is(err, actor.ErrNotFound):
		st = http.StatusNotFound
	case errors.Is(err, ErrRoomFull):
		st = http.StatusConflict
	case errors.Is(err, ErrRateLimited), errors.Is(err, ErrTooManyUsersFromAddr), errors.Is(err, ErrTooManyStreams):
		st = http.StatusTooManyRequests
	case errors.Is(err, ErrCrossSite), errors.Is(err, ErrBadHost):
		st = http.StatusForbidden
	case errors.Is(err, ErrNotJSON):
		st = http.StatusUnsupportedMediaType
	case errors.Is(err, ErrSlowBody):
		st = http.StatusRequestTimeout
	case errors.Is(err, ErrTooManyUsers), errors.Is(err, ErrTooManyRooms):
		return &httpError{status: http.StatusServiceUnavailable, err: err, retryAfter: 5}
	case errors.Is(err, context.DeadlineExceeded):
		st = http.StatusGatewayTimeout
	case errors.Is(err, actor.ErrNoReply), errors.Is(err, actor.ErrNoTransport):
		st = http.StatusBadGateway
	}
	return &httpError{status: st, err: err}
}

// writeError answers with err's status and a JSON body that says what is
// wrong.
func writeError(w http.ResponseWriter, err error) {
	he := statusOf(err)
	if he.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(he.retryAfter, 10))
	}
	writeJSON(w, he.status, errorBody{Error: strings.TrimPrefix(he.Error(), "chat: "), Status: he.status})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readJSON reads a request body of at most maxBody bytes into v, within
// BodyTimeout: it must be labelled application/json (a page of another
// site cannot send that without asking first), be valid UTF-8
// (encoding/json would quietly replace bad bytes) and hold one JSON object
// with no unknown field.
func (g *Gateway) readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return ErrNotJSON
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(g.cfg.BodyTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return &httpError{status: http.StatusRequestEntityTooLarge,
				err: errors.New("chat: request body is too large")}
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return ErrSlowBody
		}
		return &httpError{status: http.StatusBadRequest, err: err}
	}
	// The body is in: no deadline on what the connection reads next.
	rc.SetReadDeadline(time.Time{})
	if !utf8.Valid(body) {
		return ErrInvalidUTF8
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &httpError{status: http.StatusBadRequest, err: errors.New("chat: bad JSON: " + err.Error())}
	}
	if dec.More() {
		return &httpError{status: http.StatusBadRequest, err: errors.New("chat: bad JSON: more than one value")}
	}
	return nil
}
