// Command vosbot is the vosbot Slack bot and its operator commands (see INTERFACE.md).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones must resolve in a minimal container image too
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], &stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv)
	stop()
	os.Exit(report(os.Stderr, err))
}

// stdio is where a command reads and writes; tests give it buffers.
type stdio struct {
	in  io.Reader
	out io.Writer
	err io.Writer
}

// usageError is a mistake on the command line or in the configuration: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errHelp means --help was asked for and printed: exit status 0.
var errHelp = errors.New("help printed")

// report prints the one-line error and returns the exit status: 0 success, 2 bad usage
// or configuration, 1 anything else.
func report(stderr io.Writer, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "vosbot:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
