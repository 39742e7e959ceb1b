// Package timeout puts time limits on calls.
package timeout
