package seal_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/seal"
)

// TestSignPdfsig seals a two-page PDF and has poppler's pdfsig check it:
//
//	Signature #1:
//	  - Signature Field Name: Signature 1
//	  - Signer Certificate Common Name: 象山县人民法院
//	  - Signer full Distinguished Name: serialNumber=浙0225,CN=象山县人民法院,OU=电子印章,O=象山县人民法院,C=CN
//	  - Signing Time: Mar 02 2026 02:00:00
//	  - Signing Hash Algorithm: SHA-256
//	  - Signature Type: ETSI.CAdES.detached
//	  - Signed Ranges: [0 - 64754], [68436 - 70405]
//	  - Total document signed
//	  - Signature Validation: Signature is Valid.
//	  - Certificate Validation: Certificate is Trusted.
//
// The last line says "Certificate issuer isn't Trusted." when pdfsig has
// no NSS database trusting the platform root (certutil from libnss3-tools
// builds one for the test when installed). After a one-byte change pdfsig
// says "Signature Validation: Digest Mismatch." (or finds no signature at
// all when the change breaks the file's structure).
func TestSignPdfsig(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		in := samplePDF(t, 2, 60)
		s, err := f.s.Sign(ctx, f.courtID, in, seal.SignOptions{Placement: sealAt(2)})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(s.PDF, in) {
			t.Error("the signature is not an incremental update of the input")
		}
		if !s.SignedAt.Equal(t0) || s.Certificate.CourtID != f.courtID || s.Certificate.Status != seal.Active {
			t.Errorf("Signed = %v %+v", s.SignedAt, s.Certificate)
		}
		out, trusted := pdfsig(t, s.PDF, f.s.RootPEM())
		for _, want := range []string{
			"Signer Certificate Common Name: 象山县人民法院",
			"serialNumber=浙0225",
			"Signing Time: Mar 02 2026 02:00:00",
			"Signature Type: ETSI.CAdES.detached",
			"Total document signed",
			"Signature Validation: Signature is Valid.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("pdfsig does not say %q:\n%s", want, out)
			}
		}
		certLine := "Certificate Validation: Certificate issuer isn't Trusted."
		if trusted {
			certLine = "Certificate Validation: Certificate is Trusted."
		}
		if !strings.Contains(out, certLine) {
			t.Errorf("pdfsig does not say %q:\n%s", certLine, out)
		}
		v, err := f.s.Verify(ctx, s.PDF)
		if err != nil {
			t.Fatal(err)
		}
		want := seal.Verification{Valid: true, Signed: true, Intact: true, Trusted: true, CourtID: f.courtID,
			CourtCode: "浙0225", CourtName: "象山县人民法院", Serial: s.Certificate.Serial,
			Fingerprint: s.Certificate.Fingerprint, SealStatus: seal.Active, SignedAt: t0,
			SubFilter: "ETSI.CAdES.detached", Signatures: 1}
		if v != want {
			t.Errorf("Verify =\n%+v, want\n%+v", v, want)
		}

		// One byte changed anywhere in the signed content: the first
		// object, the page content, the signature dictionary (its /M
		// date), the catalog and the trailer at the very end.
		sigDict := bytes.Index(s.PDF, []byte("/M (D:20260302")) + 8
		for _, pos := range []int{20, len(in) / 2, sigDict, len(s.PDF) - 300, len(s.PDF) - 10} {
			bad := bytes.Clone(s.PDF)
			bad[pos] ^= 0x01
			if out, _ := pdfsig(t, bad, nil); strings.Contains(out, "Signature is Valid") {
				t.Errorf("byte %d changed: pdfsig still says valid:\n%s", pos, out)
			}
			v, err := f.s.Verify(ctx, bad)
			if err != nil {
				t.Fatal(err)
			}
			if v.Valid || v.Intact {
				t.Errorf("byte %d changed: Verify = %+v", pos, v)
			}
		}
		// The change pdfsig finds (a digest mismatch) is "modified" for us.
		bad := bytes.Clone(s.PDF)
		bad[len(in)/2] ^= 0x01
		if out, _ := pdfsig(t, bad, nil); !strings.Contains(out, "Digest Mismatch") {
			t.Errorf("pdfsig on a changed page:\n%s", out)
		}
		if v, _ := f.s.Verify(ctx, bad); v.Problem != seal.ProblemModified || !v.Trusted || v.CourtID != f.courtID {
			t.Errorf("changed page: Verify = %+v", v)
		}
	})
}

// TestVerifyStricterThanPdfsig: pdfsig accepts an appended update (it
// reports "Not total document signed") and ignores the unsigned padding of
// the signature value; the platform's Verify refuses both.
func TestVerifyStricterThanPdfsig(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		s, err := f.s.Sign(ctx, f.courtID, samplePDF(t, 1, 0), seal.SignOptions{})
		if err != nil {
			t.Fatal(err)
		}
		appended := append(bytes.Clone(s.PDF), "\n1 0 obj\n<< >>\nendobj\n%%EOF\n"...)
		if v, _ := f.s.Verify(ctx, appended); v.Valid || v.Problem != seal.ProblemModified {
			t.Errorf("appended: %+v", v)
		}
		padded := bytes.Clone(s.PDF)
		i := bytes.LastIndex(padded, []byte("0000>"))
		padded[i] = '1'
		if v, _ := f.s.Verify(ctx, padded); v.Valid || v.Problem != seal.ProblemMalformed {
			t.Errorf("padding changed: %+v", v)
		}
		// Truncated: the byte range no longer fits the file.
		if v, _ := f.s.Verify(ctx, s.PDF[:len(s.PDF)-200]); v.Valid {
			t.Errorf("truncated: %+v", v)
		}
	})
}

func TestSignRejects(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		good := samplePDF(t, 1, 0)
		tests := []struct {
			name  string
			court string
			pdf   []byte
			o     seal.SignOptions
			code  errs.Code
			field string
		}{
			{"not a pdf", f.courtID, []byte("hello"), seal.SignOptions{}, errs.Invalid, "pdf"},
			{"header but garbage", f.courtID, []byte("%PDF-1.7\nrubbish\n%%EOF\n"), seal.SignOptions{}, errs.Invalid, "pdf"},
			{"page 0", f.courtID, good, seal.SignOptions{Placement: &seal.Placement{Page: 0, X1: 1, Y1: 1, X2: 50, Y2: 50}}, errs.Invalid, "placement"},
			{"empty rectangle", f.courtID, good, seal.SignOptions{Placement: &seal.Placement{Page: 1, X1: 50, Y1: 50, X2: 50, Y2: 80}}, errs.Invalid, "placement"},
			{"page beyond the end", f.courtID, good, seal.SignOptions{Placement: &seal.Placement{Page: 3, X1: 1, Y1: 1, X2: 50, Y2: 50}}, errs.Invalid, "pdf"},
			{"unknown court", "no-such-court", good, seal.SignOptions{}, errs.NotFound, ""},
		}
		for _, tt := range tests {
			_, err := f.s.Sign(ctx, tt.court, tt.pdf, tt.o)
			if errs.CodeOf(err) != tt.code {
				t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code)
				continue
			}
			if e, _ := errs.As(err); tt.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tt.field) {
				t.Errorf("%s: fields = %+v, want %s", tt.name, e.Fields, tt.field)
			}
		}
		// Nothing was sealed for the unknown court.
		if certs, _ := f.s.Certificates(ctx, "no-such-court"); len(certs) != 0 {
			t.Errorf("certificates of an unknown court: %+v", certs)
		}
	})
}
