package render

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"html"
	"math/big"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/money"
)

func TestDeterministic(t *testing.T) {
	for _, k := range []Kind{KindJudgment, KindFeeNotice, KindServiceCertificate} {
		_, a := renderFixture(t, k, Options{})
		_, b := renderFixture(t, k, Options{})
		if !bytes.Equal(a.PDF, b.PDF) {
			t.Errorf("%s: two renderings of the same input differ", k)
		}
	}
}

func TestMetadata(t *testing.T) {
	pdfinfo := needTool(t, "pdfinfo")
	_, res := renderFixture(t, KindJudgment, Options{})
	out := string(command(t, pdfinfo, "-isodates", writeTemp(t, "doc.pdf", res.PDF)))
	for _, want := range []string{
		"Title:           民事判决书（2026）浙0225民初1号",
		"Author:          浙江省象山县人民法院",
		"Creator:         ecourt",
		"CreationDate:    2026-11-26T00:00:00+08",
		"Pages:           5",
		"Page size:       595.276 x 841.89 pts (A4)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, out)
		}
	}
	created := time.Date(2026, 11, 26, 10, 0, 5, 0, clock.China)
	_, res = renderFixture(t, KindJudgment, Options{Created: created})
	out = string(command(t, pdfinfo, "-isodates", writeTemp(t, "doc.pdf", res.PDF)))
	if !strings.Contains(out, "CreationDate:    2026-11-26T10:00:05+08") {
		t.Errorf("Options.Created not used:\n%s", out)
	}
}

func TestPageCount(t *testing.T) {
	for _, k := range Kinds() {
		_, res := renderFixture(t, k, Options{})
		if got := bytes.Count(res.PDF, []byte("/Type /Page /Parent")); got != res.Pages {
			t.Errorf("%s: %d page objects, Pages = %d", k, got, res.Pages)
		}
	}
}

func TestSealPlacement(t *testing.T) {
	for _, k := range Kinds() {
		d, res := renderFixture(t, k, Options{})
		if d.Seal == nil {
			if res.Seal != nil {
				t.Errorf("%s: unsealed document reports a seal at %+v", k, res.Seal)
			}
			continue
		}
		s := res.Seal
		if s == nil {
			t.Errorf("%s: no seal placement", k)
			continue
		}
		if s.Page != res.Pages {
			t.Errorf("%s: seal on page %d of %d, want the last", k, s.Page, res.Pages)
		}
		r := s.Rect
		if w, h := r.URX-r.LLX, r.URY-r.LLY; w < 119 || w > 119.1 || h < 119 || h > 119.1 {
			t.Errorf("%s: seal %.1f × %.1f pt, want 42 mm", k, w, h)
		}
		if r.LLX < marginLeft || r.URX > marginLeft+textW || r.LLY < 0 || r.URY > pageH-marginTop {
			t.Errorf("%s: seal %+v outside the type area", k, r)
		}
		_, draft := renderFixture(t, k, Options{Draft: true})
		if draft.Seal != nil {
			t.Errorf("%s: draft has a seal", k)
		}
		if draft.Pages != res.Pages {
			t.Errorf("%s: draft has %d pages, issued %d", k, draft.Pages, res.Pages)
		}
	}
}

// TestSealCoversDate checks with poppler's word boxes that the seal lies
// over the date of the 落款, as courts stamp it (骑年盖月).
func TestSealCoversDate(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	for _, k := range []Kind{KindJudgment, KindFeeNotice} {
		d, res := renderFixture(t, k, Options{})
		out := string(command(t, pdftotext, "-bbox", "-f", "0", "-l", "9", writeTemp(t, "doc.pdf", res.PDF), "-"))
		date := cnDate(d.IssuedOn)
		pages := strings.Split(out, "<page ")
		last := pages[len(pages)-1]
		m := regexp.MustCompile(`xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">` + date + `<`).FindStringSubmatch(last)
		if m == nil {
			t.Errorf("%s: date %s not found on the last page", k, date)
			continue
		}
		var box [4]float64
		for i := range box {
			box[i] = mustFloat(t, m[i+1])
		}
		r := res.Seal.Rect
		// poppler's y runs down from the top of the page.
		midX, midY := (box[0]+box[2])/2, pageH-(box[1]+box[3])/2
		if midX < r.LLX || midX > r.URX || midY < r.LLY || midY > r.URY {
			t.Errorf("%s: date centre (%.1f, %.1f) not under the seal %+v", k, midX, midY, r)
		}
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	f, ok := new(big.Float).SetString(s)
	if !ok {
		t.Fatalf("bad number %q", s)
	}
	v, _ := f.Float64()
	return v
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(d *Document)
		fields []string
	}{
		{"no court", func(d *Document) { d.CourtName = " " }, []string{"court_name"}},
		{"no date", func(d *Document) { d.IssuedOn = time.Time{} }, []string{"issued_on"}},
		{"no body", func(d *Document) { d.Body = nil }, []string{"body"}},
		{"judgment without parties, panel and decision", func(d *Document) {
			j := d.Body.(*Judgment)
			j.Parties, j.Panel, j.Decision = nil, nil, nil
		}, []string{"body.parties", "body.decision", "body.panel"}},
		{"party without a name", func(d *Document) { d.Body.(*Judgment).Parties[1].Name = "" }, []string{"body.parties[1].name"}},
		{"fee shares do not add up", func(d *Document) { d.Body.(*Judgment).Fees[1].Shares[0].Amount = 1 }, []string{"body.fees[1].shares"}},
		{"appeal without a court", func(d *Document) { d.Body.(*Judgment).Appeal.Court = "" }, []string{"body.appeal.court"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := fixture(t, KindJudgment)
			tt.edit(&d)
			_, err := PDF(d, Options{})
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid {
				t.Fatalf("err = %v, want errs.Invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			for _, f := range tt.fields {
				if !slices.Contains(got, f) {
					t.Errorf("fields %v lack %q", got, f)
				}
			}
			if _, herr := HTML(d, Options{}, i18n.ZH); herr == nil {
				t.Error("HTML accepted what PDF refused")
			}
		})
	}
}

func TestValidationRules(t *testing.T) {
	t.Run("evidence period of the ordinary procedure", func(t *testing.T) {
		d := fixture(t, KindEvidenceNotice)
		d.Body.(*EvidenceNotice).PeriodDays = 10 // 民诉法解释 Art. 99: at least 15
		assertFieldKey(t, d, "body.period_days", "render.error.evidence_period_min")
	})
	t.Run("evidence period of the simplified procedure", func(t *testing.T) {
		d := fixture(t, KindEvidenceNotice)
		n := d.Body.(*EvidenceNotice)
		n.Procedure, n.PeriodDays = "简易程序", 20 // Art. 266: at most 15
		assertFieldKey(t, d, "body.period_days", "render.error.evidence_period_max")
		n.PeriodDays = 15
		if _, err := PDF(d, Options{}); err != nil {
			t.Errorf("15 days in the simplified procedure: %v", err)
		}
	})
	t.Run("negative fee", func(t *testing.T) {
		d := fixture(t, KindFeeNotice)
		d.Body.(*FeeNotice).Items[0].Amount = -1
		assertFieldKey(t, d, "body.items[0].amount", "render.error.negative_amount")
	})
	t.Run("service certificate with nothing arrived", func(t *testing.T) {
		d := fixture(t, KindServiceCertificate)
		for i := range d.Body.(*ServiceCertificate).Deliveries {
			d.Body.(*ServiceCertificate).Deliveries[i].ArrivedAt = time.Time{}
		}
		assertFieldKey(t, d, "body.served_at", "field.required")
	})
}

func assertFieldKey(t *testing.T, d Document, field, key string) {
	t.Helper()
	_, err := PDF(d, Options{})
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("err = %v, want an errs.Error", err)
	}
	for _, f := range e.Fields {
		if f.Field == field && f.MessageKey() == key {
			return
		}
	}
	t.Errorf("err = %v, want field %s with key %s", err, field, key)
}

func TestGlyphMissing(t *testing.T) {
	d := fixture(t, KindJudgment)
	d.Body.(*Judgment).Parties[0].Name = "𠮷田" // U+20BB7, CJK Extension B: in neither font
	_, err := PDF(d, Options{})
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || e.Key != "render.error.glyph_missing" {
		t.Fatalf("err = %v, want render.error.glyph_missing", err)
	}
	if len(e.Args) != 1 || e.Args[0] != "𠮷" {
		t.Errorf("args = %v, want the missing character", e.Args)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, k := range Kinds() {
		d := fixture(t, k)
		data, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var back Document
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if back.Kind() != k {
			t.Errorf("kind %q, want %q", back.Kind(), k)
		}
		again, _ := json.Marshal(back)
		if !bytes.Equal(data, again) {
			t.Errorf("%s: JSON round trip differs:\n%s\n%s", k, data, again)
		}
		a, err1 := PDF(d, Options{})
		b, err2 := PDF(back, Options{})
		if err1 != nil || err2 != nil || !bytes.Equal(a.PDF, b.PDF) {
			t.Errorf("%s: PDF of the decoded document differs (%v, %v)", k, err1, err2)
		}
	}
	var d Document
	if err := json.Unmarshal([]byte(`{"kind":"nonsense","body":{}}`), &d); err == nil {
		t.Error("unknown kind accepted")
	}
}

var tag = regexp.MustCompile(`<[^>]*>`)

func TestHTML(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			d := fixture(t, k)
			out, err := HTML(d, Options{}, i18n.ZH)
			if err != nil {
				t.Fatal(err)
			}
			s := string(out)
			// The same text as the PDF, in the same order.
			text := noSpace(html.UnescapeString(tag.ReplaceAllString(stripSVG(s), "")))
			if want := noSpace(documentText(t, d)); text != want {
				t.Errorf("HTML text differs from the document:\n got %s\nwant %s", clip(text), clip(want))
			}
			for _, bad := range []string{"style=", "<style", "<script", "http://", "https://fonts", "src="} {
				if strings.Contains(stripFixtureURLs(s), bad) {
					t.Errorf("HTML contains %q", bad)
				}
			}
			if got := strings.Contains(s, "<svg class=\"cdoc-seal\""); got != (d.Seal != nil) {
				t.Errorf("seal drawn = %v, document sealed = %v", got, d.Seal != nil)
			}
		})
	}
	d := fixture(t, KindJudgment)
	draft, err := HTML(d, Options{Draft: true}, i18n.EN)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Draft: this document has not been issued", "Court documents are written in Chinese", `aria-label="Court document"`} {
		if !strings.Contains(string(draft), want) {
			t.Errorf("English draft lacks %q", want)
		}
	}
	if strings.Contains(string(draft), "cdoc-seal") {
		t.Error("draft shows the seal")
	}
	zh, _ := HTML(d, Options{Draft: true}, "zh")
	if !strings.Contains(string(zh), "草稿：本文书尚未签发") || strings.Contains(string(zh), "cdoc-langnote") {
		t.Errorf("Chinese draft banner wrong:\n%s", clip(string(zh)))
	}
}

func stripSVG(s string) string {
	return regexp.MustCompile(`(?s)<svg.*?</svg>`).ReplaceAllString(s, "")
}

// stripFixtureURLs removes the URLs the fixtures themselves print.
func stripFixtureURLs(s string) string {
	return regexp.MustCompile(`https://ecourt\.example\.cn[^\s<，）]*`).ReplaceAllString(s, "")
}

func TestStylesheet(t *testing.T) {
	css := string(Stylesheet())
	for _, want := range []string{".cdoc{", ".cdoc-p{", ".cdoc-seal{", "@media (max-width:30rem)"} {
		if !strings.Contains(css, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
}

func TestMessages(t *testing.T) {
	cat, err := i18n.New(Messages())
	if err != nil {
		t.Fatal(err)
	}
	if missing := cat.Missing(); len(missing) > 0 {
		t.Errorf("keys missing in a language: %v", missing)
	}
	for _, key := range []string{"render.error.glyph_missing", "render.error.fee_shares", "render.error.evidence_period_min",
		"render.error.evidence_period_max", "render.error.negative_amount", "render.html.draft", "render.html.seal"} {
		for _, l := range i18n.Supported {
			if got := cat.T(l, key); got == key || got == "" {
				t.Errorf("%s: %s missing", l, key)
			}
		}
	}
}

func TestNumerals(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, clock.China) }
	tests := []struct {
		got, want string
	}{
		{cnDate(day(2026, 11, 26)), "二〇二六年十一月二十六日"},
		{cnDate(day(2030, 1, 1)), "二〇三〇年一月一日"},
		{cnDate(day(2026, 10, 10)), "二〇二六年十月十日"},
		{cnDate(day(2026, 12, 31)), "二〇二六年十二月三十一日"},
		{cnDate(time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)), "二〇二六年十一月二十六日"}, // 00:30 in China
		{arDate(day(2026, 9, 1)), "2026年9月1日"},
		{hearingTime(time.Date(2026, 10, 20, 9, 30, 0, 0, clock.China)), "2026年10月20日上午9时30分"},
		{hearingTime(time.Date(2026, 10, 20, 14, 0, 0, 0, clock.China)), "2026年10月20日下午2时"},
		{cnOrdinal(11), "十一、"},
		{cnOrdinal(20), "二十、"},
		{yuan(money.Fen(123456789)), "1,234,567.89"},
		{yuan(money.Fen(590000)), "5,900"},
		{yuanUpper(money.Fen(2091111)), "人民币贰万零玖佰壹拾壹元壹角壹分"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestFeeAllocationText(t *testing.T) {
	tests := []struct {
		f    FeeAllocation
		want string
	}{
		{FeeAllocation{Name: "案件受理费", Amount: 1180000, Charged: 590000, Shares: []Share{{"原告张三", 100000}, {"被告李四", 490000}}},
			"案件受理费11,800元，减半收取计5,900元，由原告张三负担1,000元，被告李四负担4,900元。"},
		{FeeAllocation{Name: "案件受理费", Amount: 5000, Shares: []Share{{"被告李四", 5000}}}, "案件受理费50元，由被告李四负担。"},
		{FeeAllocation{Name: "保全费", Amount: 123456, Charged: 100000, Shares: []Share{{"原告张三", 100000}}}, "保全费1,234.56元，实际收取1,000元，由原告张三负担。"},
	}
	for _, tt := range tests {
		if got := tt.f.text(); got != tt.want {
			t.Errorf("text() = %q, want %q", got, tt.want)
		}
	}
}

func TestServed(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 11, 26, 10, 30, s, 0, clock.China) }
	c := ServiceCertificate{Deliveries: []Delivery{
		{Channel: "手机短信", ArrivedAt: at(7)},
		{Channel: "诉讼平台", ArrivedAt: at(2)},
		{Channel: "电子邮件"},
	}}
	got, via, ok := c.Served()
	if !ok || !got.Equal(at(2)) || via != "诉讼平台" {
		t.Errorf("Served() = %v, %q, %v; want the platform at :02 (Online Litigation Rules Art. 31)", got, via, ok)
	}
	c.ServedAt, c.ServedVia = at(9), "人工认定"
	if got, via, _ := c.Served(); !got.Equal(at(9)) || via != "人工认定" {
		t.Errorf("ServedAt not used: %v %q", got, via)
	}
}

// TestSignable checks that digitorus/pdfsign can sign the file this
// package writes (an incremental update after our cross-reference table),
// with the widget on the seal, and, when poppler's pdfsig is installed,
// that the signature verifies.
func TestSignable(t *testing.T) {
	_, res := renderFixture(t, KindJudgment, Options{})
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "浙江省象山县人民法院 test seal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	rdr, err := pdf.NewReader(bytes.NewReader(res.PDF), int64(len(res.PDF)))
	if err != nil {
		t.Fatalf("pdf reader: %v", err)
	}
	r := res.Seal.Rect
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(res.PDF), &out, rdr, int64(len(res.PDF)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info:     sign.SignDataSignatureInfo{Name: "浙江省象山县人民法院", Reason: "test", Date: time.Now()},
			CertType: sign.ApprovalSignature,
		},
		Signer: key, DigestAlgorithm: crypto.SHA256, Certificate: cert,
		Appearance: sign.Appearance{Visible: true, Page: uint32(res.Seal.Page), LowerLeftX: r.LLX, LowerLeftY: r.LLY, UpperRightX: r.URX, UpperRightY: r.URY},
	})
	if err != nil {
		t.Fatalf("pdfsign: %v", err)
	}
	if !bytes.HasPrefix(out.Bytes(), res.PDF) {
		t.Error("the signed file does not start with the rendered bytes (not an incremental update)")
	}
	pdfsig, err := exec.LookPath("pdfsig")
	if err != nil {
		t.Skip("pdfsig not installed")
	}
	report, _ := exec.Command(pdfsig, writeTemp(t, "signed.pdf", out.Bytes())).CombinedOutput()
	if !strings.Contains(string(report), "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig:\n%s", report)
	}
}

// TestConcurrent renders every kind from several goroutines at once: the
// parsed fonts, the template and the compressor pool are shared.
func TestConcurrent(t *testing.T) {
	want, docs := map[Kind][]byte{}, map[Kind]Document{}
	for _, k := range Kinds() {
		d, res := renderFixture(t, k, Options{})
		want[k], docs[k] = res.PDF, d
	}
	errc := make(chan error, 4*len(want))
	for range 4 {
		for _, k := range Kinds() {
			go func() {
				d := docs[k]
				res, err := PDF(d, Options{})
				if err == nil && !bytes.Equal(res.PDF, want[k]) {
					err = errors.New(string(k) + ": concurrent rendering differs")
				}
				if err == nil {
					_, err = HTML(d, Options{}, i18n.EN)
				}
				errc <- err
			}()
		}
	}
	for range 4 * len(want) {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// TestVerificationLine prints the verification line at the foot of every
// page of an issued document, and never on a draft.
func TestVerificationLine(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	const line = "验证码 ABCD-EFGH-JKMN-PQR5 · 核验 https://court.example/documents/verify"
	_, res := renderFixture(t, KindJudgment, Options{Verification: line})
	path := writeTemp(t, "doc.pdf", res.PDF)
	for pg := 1; pg <= res.Pages; pg++ {
		out := string(command(t, pdftotext, "-f", strconv.Itoa(pg), "-l", strconv.Itoa(pg), "-layout", path, "-"))
		if !strings.Contains(out, "ABCD-EFGH-JKMN-PQR5") || !strings.Contains(out, "https://court.example/documents/verify") {
			t.Errorf("page %d lacks the verification line:\n%s", pg, out)
		}
	}
	_, res = renderFixture(t, KindJudgment, Options{Verification: line, Draft: true})
	if out := string(command(t, pdftotext, writeTemp(t, "draft.pdf", res.PDF), "-")); strings.Contains(out, "ABCD-EFGH") {
		t.Errorf("a draft carries a verification line")
	}
}
