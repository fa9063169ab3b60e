package actor

// MaxPublishDepth is maxPublishDepth, for the tests.
const MaxPublishDepth = maxPublishDepth
