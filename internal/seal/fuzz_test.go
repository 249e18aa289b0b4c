package seal

import (
	"bytes"
	"crypto/x509"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// FuzzVerify feeds mutated PDFs to the verifier: it must never panic, and
// whatever it calls valid must be intact and trusted.
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	root, err := newRoot(ECDSAP256, "fuzz root", now, 24*time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	court, err := newCourtCert(ECDSAP256, root, "象山县人民法院", "浙0225", now, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	p := fpdf.New("P", "pt", "A4", "")
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(0, 20, "fuzz")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		f.Fatal(err)
	}
	signed, err := signPDF(b.Bytes(), court, []*x509.Certificate{root.cert}, "象山县人民法院", "象山", now, nil)
	if err != nil {
		f.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root.cert)
	if v := verifyBytes(signed, roots, now); !v.Valid {
		f.Fatalf("seed does not verify: %+v", v)
	}
	f.Add(signed)
	f.Add(b.Bytes())
	f.Add([]byte("%PDF-1.7\n/ByteRange [0 32 36 7] <00>\n%%EOF\n"))
	f.Add([]byte("%PDF-"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v := verifyBytes(in, roots, now)
		if v.Valid && (!v.Intact || !v.Trusted || !v.Signed) {
			t.Fatalf("valid but %+v", v)
		}
		if v.Valid && !bytes.Equal(in, signed) {
			// Only the unsigned hole could differ, and its padding is
			// checked: a valid result means the signed bytes are the seed's.
			sigs := findSignatures(in)
			if len(sigs) == 0 {
				t.Fatalf("valid without a signature")
			}
		}
	})
}
