package actor

// MaxPublishDepth is maxPublishDepth, for the tests.
const MaxPublishDepth = maxPublishDepth

// Claim starts the completion of r and returns what ends it: between the
// two, another completion loses, as it does while a winner is still
// setting the result.
func Claim(r Reply) (finish func(v any, err error)) {
	if !r.f.claim() {
		panic("actor: Claim of a completed reply")
	}
	return r.f.finish
}
