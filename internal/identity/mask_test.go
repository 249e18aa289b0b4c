package identity_test

import (
	"testing"

	"github.com/ecourt/ecourt/internal/identity"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
		mask           func(string) string
	}{
		{"mainland mobile", "13800001234", "138****1234", identity.MaskMobile},
		{"other mobile unchanged", "+85291234567", "+85291234567", identity.MaskMobile},
		{"empty mobile", "", "", identity.MaskMobile},
		{"resident ID", "33020319850615004X", "330***********004X", identity.MaskIDNumber},
		{"passport", "X1234567", "X12*4567", identity.MaskIDNumber},
		{"short number unchanged", "1234567", "1234567", identity.MaskIDNumber},
		{"credit code", "91350100M000100Y43", "913***********0Y43", identity.MaskIDNumber},
		{"runes, not bytes", "张三李四王五赵六", "张三李*王五赵六", identity.MaskIDNumber},
	}
	for _, tt := range tests {
		if got := tt.mask(tt.in); got != tt.want {
			t.Errorf("%s: mask(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
