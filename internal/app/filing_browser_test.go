package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecourt/ecourt/internal/identity/idocr/idocrtest"
	"github.com/ecourt/ecourt/internal/platform/browsertest"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// TestBrowserFilingJourney files a complete complaint on a 390×844 phone in
// real Chromium — the plaintiff's particulars read from a photographed ID
// card, the defendant typed in, the claim answered, one evidence file —
// then the filing officer accepts it, and the litigant sees the case number
// and pays the fee through the sandbox gateway, whose signed callback
// arrives asynchronously.
func TestBrowserFilingJourney(t *testing.T) {
	t.Parallel()
	ta := startApp(t, testConfig(t, true))
	ocr := ta.svc.ocr.Available()
	if !ocr && os.Getenv("CI") == "true" {
		t.Fatal("tesseract with chi_sim is missing (scripts/test.sh installs it)")
	}
	ctx := browsertest.New(t, browsertest.PhoneSize(390, 844))
	browsertest.FailOnConsoleErrors(ctx, t)
	b := &browser{t: t, ctx: ctx}
	shot := func(name string) { browsertest.Screenshot(ctx, t, "filing-journey/"+name) }
	dir := t.TempDir()

	// The plaintiff's ID card photo and one evidence file.
	number := residentID("33022519800101001")
	card := idocrtest.Card{Name: "王小渔", Sex: "男", Ethnicity: "汉", Birth: "1980年1月1日",
		Address1: "浙江省象山县石浦镇", Address2: "演示路1号", Number: number}
	cardPath := filepath.Join(dir, "idcard.jpg")
	if err := os.WriteFile(cardPath, idocrtest.JPEG(t, idocrtest.Render(t, card), 80), 0o600); err != nil {
		t.Fatal(err)
	}
	pdfPath := filepath.Join(dir, "借条.pdf")
	if err := os.WriteFile(pdfPath, minimalPDF(), 0o600); err != nil {
		t.Fatal(err)
	}
	xiangshan, err := ta.svc.court.FindByCode(context.Background(), "浙0225")
	if err != nil {
		t.Fatal(err)
	}

	switchTo := func(login string) {
		b.markPage()
		b.do(chromedp.Navigate(ta.URL + "/demo"))
		b.waitNewPage("/demo")
		b.markPage()
		b.do(chromedp.Click(chromedp.CSS(`button[data-login="` + login + `"]`)))
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
	}
	set := func(id, v string) {
		t.Helper()
		ok := b.eval(fmt.Sprintf(`(function(){const e=document.getElementById(%q); if(!e) return false; e.value=%q;
			e.dispatchEvent(new Event("input",{bubbles:true})); e.dispatchEvent(new Event("change",{bubbles:true})); return true})()`, id, v))
		if ok != "true" {
			t.Fatalf("no #%s on %s", id, b.eval(`location.pathname`))
		}
	}
	submit := func(sel, path string) {
		t.Helper()
		b.markPage()
		b.do(chromedp.Click(chromedp.CSS(sel)))
		b.waitFor(fmt.Sprintf(`window.__e2eOld === undefined && document.readyState === "complete" && location.pathname.match(%q) !== null`, path))
	}

	switchTo("litigant")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/filing/new"))
	b.waitNewPage("/filing/new")
	set("court", xiangshan.ID)
	b.do(chromedp.Click(chromedp.CSS("#cause-private_lending")), chromedp.Click(chromedp.CSS("#filed-as-self")))
	shot("01-new")
	submit("#start", `^/filing/[^/]+/parties$`)
	appID := strings.Split(strings.TrimPrefix(b.eval(`location.pathname`), "/filing/"), "/")[0]

	// The plaintiff from the ID-card photo.
	if ocr {
		b.do(chromedp.SetUploadFiles(chromedp.CSS("#idcard-photo"), []string{cardPath}))
		b.do(chromedp.Click(chromedp.CSS("#idcard-submit")))
		b.waitFor(`document.querySelector("#ocr-waiting") === null && document.querySelector("#party-id_number") !== null &&
			(document.querySelector("#party-id_number").value !== "" || document.querySelector("#ocr-error") !== null)`)
		if got := b.eval(`document.querySelector("#party-id_number").value`); got != number {
			t.Fatalf("ID number read from the photo: %q, want %q (%s)", got, number, b.text("#party-form"))
		}
		if got := b.eval(`document.querySelector("#party-name").value`); got != "王小渔" {
			t.Errorf("name read from the photo: %q", got)
		}
		shot("02-idcard-read")
	} else {
		set("party-name", "王小渔")
		set("party-id_number", number)
		set("party-sex", "M")
		set("party-birth_date", "1980-01-01")
		set("party-address", "浙江省象山县石浦镇演示路1号")
	}
	set("party-role", "plaintiff")
	set("party-phone", "13800000001")
	submit("#party-save", `^/filing/[^/]+/parties$`)
	// The defendant, typed in.
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#add-party")))
	b.waitNewPage("/filing/" + appID + "/parties")
	set("party-role", "defendant")
	set("party-name", "李海丰")
	set("party-id_number", residentID("33028219850505002"))
	set("party-address", "浙江省慈溪市演示街2号")
	set("party-phone", "13800000002")
	submit("#party-save", `^/filing/[^/]+/parties$`)
	if n := b.eval(`document.querySelectorAll("#party-list li").length`); n != "2" {
		t.Fatalf("%s parties listed: %s", n, b.text("main"))
	}
	shot("03-parties")

	// The claim.
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#next")))
	b.waitNewPage("/filing/" + appID + "/claims")
	for id, v := range map[string]string{"answer-loan_date": "2025-01-10", "answer-principal": "50000",
		"answer-delivery": "bank_transfer", "answer-due_date": "2025-07-10"} {
		set(id, v)
	}
	b.do(chromedp.Click(chromedp.CSS("#answer-iou-yes")), chromedp.Click(chromedp.CSS("#answer-interest_agreed-no")))
	shot("04-claims")
	submit("#next", `^/filing/[^/]+/evidence$`)

	// One evidence file.
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#evidence-file"), []string{pdfPath}))
	set("evidence-name", "借条")
	set("evidence-purpose", "证明借款事实及金额")
	submit("#evidence-upload", `^/filing/[^/]+/evidence$`)
	if !strings.Contains(b.text("#evidence-list"), "借条") {
		t.Fatalf("evidence not listed: %s", b.text("main"))
	}
	shot("05-evidence")

	// Preview and submit.
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#next")))
	b.waitNewPage("/filing/" + appID + "/preview")
	if b.eval(`document.querySelector("#problems") === null`) != "true" {
		t.Fatalf("the filing still has problems: %s", b.text("#problems"))
	}
	if !strings.Contains(b.text("#complaint-preview"), "民事起诉状") || !strings.Contains(b.text("#complaint-preview"), "50,000") {
		t.Errorf("preview: %q", b.text("#complaint-preview"))
	}
	// The claim is 50,000 yuan plus the interest accrued to today, so the fee
	// is 1,050 yuan (Art. 13(一)) plus 2.5% of the interest.
	quoted := yuanIn(t, b.text("#fee-preview"))
	if quoted < 105000 {
		t.Errorf("fee preview %q: %d fen, want at least 1,050 yuan", b.text("#fee-preview"), quoted)
	}
	shot("06-preview")
	submit("#submit", `^/filing/[^/]+$`)
	if b.eval(`document.querySelector("#days-left") !== null`) != "true" {
		t.Errorf("status page without the statutory clock: %s", b.text("main"))
	}
	shot("07-submitted")

	// The filing officer accepts it.
	switchTo("filing")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/staff/filing"))
	b.waitNewPage("/staff/filing")
	b.waitFor(`document.querySelector("#queue-` + appID + `") !== null`)
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/staff/filing/" + appID))
	b.waitNewPage("/staff/filing/" + appID)
	set("procedure", "simplified")
	shot("08-review")
	submit("#accept", `^/staff/filing/`)

	// The litigant sees the case number and pays the fee.
	switchTo("litigant")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/filing/" + appID))
	b.waitNewPage("/filing/" + appID)
	b.waitFor(`document.querySelector("#case-number") !== null`)
	number2 := b.text("#case-number")
	if !strings.Contains(number2, "浙0225民初") {
		t.Fatalf("case number %q", number2)
	}
	shot("09-accepted")
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#case-link")))
	b.waitFor(`window.__e2eOld === undefined && location.pathname.startsWith("/cases/")`)
	// The bill is issued by the fees context from the acceptance event.
	deadline := time.Now().Add(20 * time.Second)
	for b.eval(`document.querySelector("#fees a") !== null`) != "true" {
		if time.Now().After(deadline) {
			t.Fatalf("no bill on the case page: %s", b.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
		b.markPage()
		b.do(chromedp.Reload())
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
	}
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#fees a")))
	b.waitFor(`window.__e2eOld === undefined && location.pathname.startsWith("/fees/bills/")`)
	// Halved once for the simplified procedure (Art. 16), rounded half-up.
	if got, want := yuanIn(t, b.text("#bill-amount")), (quoted+1)/2; got != want {
		t.Errorf("bill amount %q = %d fen, want half of the quote %d = %d fen", b.text("#bill-amount"), got, quoted, want)
	}
	shot("10-bill")
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#pay")))
	b.waitFor(`window.__e2eOld === undefined && location.pathname.startsWith("/sandbox-pay/")`)
	shot("11-cashier")
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS("#sandbox-pay")))
	b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
	billURL := ""
	if err := ta.DB.QueryRow(context.Background(), `SELECT id FROM fees_bill WHERE court_id = ? ORDER BY created_at DESC LIMIT 1`, xiangshan.ID).Scan(&billURL); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		b.markPage()
		b.do(chromedp.Navigate(ta.URL + "/fees/bills/" + billURL))
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
		if strings.Contains(b.eval(`document.querySelector("#bill-status") ? document.querySelector("#bill-status").className + " " + document.querySelector("#bill-status").innerText : ""`), "已缴") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bill is not paid: %s", b.text("main"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	shot("12-paid")

	// The court's notices reach the litigant on their own: the service
	// notices in the inbox, the sealed documents on the case page, each
	// verifiable by anyone with the code printed on it.
	var caseID string
	if err := ta.DB.QueryRow(context.Background(), `SELECT case_id FROM filing_application WHERE id = ?`, appID).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		b.markPage()
		b.do(chromedp.Navigate(ta.URL + "/cases/" + caseID))
		b.waitFor(`window.__e2eOld === undefined && document.readyState === "complete"`)
		if b.eval(`document.querySelectorAll("#documents [data-document]").length >= 3`) == "true" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notices are not on the case page: %s", b.text("#documents"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	if docs := b.text("#documents"); !strings.Contains(docs, "受理案件通知书") || !strings.Contains(docs, "交纳诉讼费用通知书") {
		t.Errorf("case documents: %q", docs)
	}
	shot("13-documents")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/inbox"))
	b.waitNewPage("/inbox")
	if inbox := b.text("#inbox-list"); !strings.Contains(inbox, "受理案件通知书") {
		t.Errorf("inbox: %q", inbox)
	}
	shot("14-inbox")
	b.markPage()
	b.do(chromedp.Navigate(ta.URL + "/cases/" + caseID))
	b.waitNewPage("/cases/" + caseID)
	b.markPage()
	b.do(chromedp.Click(chromedp.CSS(`#documents li[data-document] small a`)))
	b.waitFor(`window.__e2eOld === undefined && location.pathname === "/documents/verify" && document.readyState === "complete"`)
	if v := b.eval(`document.querySelector("#verdict") ? document.querySelector("#verdict").dataset.status : ""`); v != "valid" {
		t.Errorf("verification: %q: %s", v, b.text("main"))
	}
	shot("15-verified")
}

// yuanIn returns the first amount of yuan ("1,101.78") in s, in fen.
func yuanIn(t *testing.T, s string) int64 {
	t.Helper()
	m := regexp.MustCompile(`[0-9][0-9,]*(\.[0-9]{1,2})?`).FindString(s)
	f, err := money.ParseYuan(m)
	if err != nil {
		t.Fatalf("no amount in %q: %v", s, err)
	}
	return int64(f)
}

// minimalPDF is a small, well-formed one-page PDF.
func minimalPDF() []byte { return demoPDF("IOU") }
