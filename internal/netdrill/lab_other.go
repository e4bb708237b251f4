//go:build !linux

package netdrill

import (
	"context"
	"errors"
	"net"
	"os/exec"
)

// Available says why a lab cannot be built here: namespaces are Linux's.
func Available() string { return "network namespaces need Linux" }

// Lab is Linux-only; see lab_linux.go.
type Lab struct{}

// NewLab fails off Linux.
func NewLab([]string) (*Lab, error) { return nil, errors.New("netdrill: " + Available()) }

func (l *Lab) IP(string) string                    { return "" }
func (l *Lab) Command(string, ...string) *exec.Cmd { return nil }
func (l *Lab) Cut(string) error                    { return errors.New(Available()) }
func (l *Lab) Heal(string) error                   { return errors.New(Available()) }
func (l *Lab) Impair(string) (string, error)       { return "", errors.New(Available()) }
func (l *Lab) ImpairStats(string) string           { return "" }
func (l *Lab) Unimpair(string) error               { return errors.New(Available()) }
func (l *Lab) Close()                              {}
func (l *Lab) Dialer(string) func(context.Context, string, string) (net.Conn, error) {
	return nil
}
