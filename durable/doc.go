// Package durable is the nursery over Temporal workflows.
package durable
