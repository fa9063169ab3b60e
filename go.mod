module github.com/troupe-go/troupe

go 1.25

require (
	github.com/google/uuid v1.6.0
	go.uber.org/goleak v1.3.0
)
