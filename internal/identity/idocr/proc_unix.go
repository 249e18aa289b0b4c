//go:build unix

package idocr

import (
	"os/exec"
	"syscall"
)

// killGroup starts the command in its own process group and kills the whole
// group when the context ends, so nothing tesseract started outlives it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
