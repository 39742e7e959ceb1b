// Package cancel holds small helpers over [context] for the cancellation
// patterns that structured concurrency keeps meeting.
package cancel
