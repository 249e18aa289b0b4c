// Package ids makes the platform's keys: UUIDv7, sortable by creation time.
package ids

import "github.com/google/uuid"

// New returns a new UUIDv7 in its canonical 36-character form.
func New() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Valid reports whether s is a canonical UUID.
func Valid(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
