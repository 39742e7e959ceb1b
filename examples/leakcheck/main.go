// Command leakcheck asks three simulated price sources for a quote and
// prints the first answer. The point of the example is in its tests: see
// quote/quote_test.go for goleak.VerifyTestMain, testing/synctest and a
// leak report.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/scoped-go/scoped/examples/leakcheck/quote"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "leakcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	price, err := quote.Fetch(ctx, "GOOG", time.Second,
		quote.After(80*time.Millisecond, 101.5),
		quote.After(20*time.Millisecond, 101.25),
		quote.After(5*time.Second, 99))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "GOOG %.2f (the first of three sources to answer; the others were canceled)\n", price)
	return nil
}
