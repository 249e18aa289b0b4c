//go:build !unix

package idocr

import "os/exec"

// killGroup keeps exec.CommandContext's default: kill the process itself.
func killGroup(cmd *exec.Cmd) {}
