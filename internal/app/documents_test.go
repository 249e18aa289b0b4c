package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecourt/ecourt/internal/ledger"
)

// TestNoticesIssuedSealedAndServed follows a filing from submission to
// acceptance on both databases and checks what the court then sends on its
// own: the acceptance notice and the notice to produce evidence (from the
// accepted event) and the notice to pay (from the bill), each rendered,
// sealed, recorded with a verification code, served electronically on the
// plaintiff who filed online (platform inbox and SMS), certified by a
// sealed service certificate, and appended to the evidence ledger.
func TestNoticesIssuedSealedAndServed(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ta := startDialect(t, d, true)
			ctx := context.Background()
			court, err := ta.svc.court.FindByCode(ctx, "浙0225")
			if err != nil {
				t.Fatal(err)
			}
			lit := newClient(t, ta.URL)
			lit = lit.withToken(loginAPI(t, lit, "litigant", DemoPassword))
			off := newClient(t, ta.URL)
			off = off.withToken(loginAPI(t, off, "filing", DemoPassword))

			// File online: draft, one item of evidence, submit; accept.
			draft := fmt.Sprintf(`{"court_id":%q,"template_id":"private_lending","answers":{"loan_date":"2025-01-10","principal":"50000","delivery":"bank_transfer","iou":"yes","due_date":"2025-07-10","interest_agreed":"no","narrative":"借款到期后原告多次催要未果。"},"parties":[{"role":"plaintiff","kind":"person","name":"张三","sex":"M","ethnicity":"汉","birth_date":"1980-01-01","id_type":"resident_id","id_number":"33022519800101123X","address":"浙江省象山县丹东街道天安路1号","phone":"13800005678"},{"role":"defendant","kind":"person","name":"李四","sex":"F","id_type":"resident_id","id_number":"330282198505052243","address":"浙江省慈溪市白沙路街道1号","phone":"13900001111"}]}`, court.ID)
			r := must(t, lit.do("POST", "/api/v1/filing/applications", rawJSON(draft)), http.StatusCreated)
			app := decode[struct {
				ID string `json:"id"`
			}](t, r).ID
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			mw.WriteField("role", "evidence")
			mw.WriteField("name", "借条")
			mw.WriteField("purpose", "证明借款事实")
			fw, _ := mw.CreateFormFile("file", "iou.pdf")
			fw.Write(minimalPDF())
			mw.Close()
			req, _ := http.NewRequest("POST", ta.URL+"/api/v1/filing/applications/"+app+"/evidence", &body)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+lit.token)
			must(t, lit.send(req), http.StatusCreated)
			must(t, lit.do("POST", "/api/v1/filing/applications/"+app+"/submit", nil), http.StatusOK)
			r = must(t, off.do("POST", "/api/v1/filing/applications/"+app+"/accept", map[string]string{"procedure": "simplified"}), http.StatusOK)
			caseID := decode[struct {
				CaseID string `json:"case_id"`
			}](t, r).CaseID
			if caseID == "" {
				t.Fatalf("accepted without a case: %s", r)
			}

			// The notices and, once every channel reported, the service
			// certificates arrive on their own.
			type doc struct {
				ID, Kind, Code, SHA256 string
			}
			var docs []doc
			want := []string{"acceptance_notice", "evidence_notice", "fee_notice"}
			deadline := time.Now().Add(30 * time.Second)
			for {
				r = must(t, lit.get("/api/v1/cases/"+caseID+"/documents"), http.StatusOK)
				list := decode[struct {
					Items []struct {
						ID     string `json:"id"`
						Kind   string `json:"kind"`
						Code   string `json:"code"`
						SHA256 string `json:"sha256"`
					} `json:"items"`
				}](t, r)
				docs = docs[:0]
				kinds := map[string]int{}
				for _, it := range list.Items {
					docs = append(docs, doc{it.ID, it.Kind, it.Code, it.SHA256})
					kinds[it.Kind]++
				}
				if kinds["acceptance_notice"] == 1 && kinds["evidence_notice"] == 1 && kinds["fee_notice"] == 1 && kinds["service_certificate"] == 3 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("documents of the case: %v, want one each of %v and three service certificates", kinds, want)
				}
				time.Sleep(200 * time.Millisecond)
			}

			// Every document verifies publicly by its code, sealed by 象山.
			anon := newClient(t, ta.URL)
			anon.rawAPI = true
			for _, d := range docs {
				r := must(t, anon.get("/api/v1/documents/verify?code="+d.Code), http.StatusOK)
				if s := r.String(); !strings.Contains(s, "象山县人民法院") || !strings.Contains(s, d.SHA256) {
					t.Errorf("%s %s: verification %s", d.Kind, d.Code, truncate(s, 400))
				}
				pdf := must(t, lit.get("/api/v1/documents/"+d.ID+"/pdf"), http.StatusOK).Body
				if !bytes.Contains(pdf, []byte("/ByteRange")) || !bytes.Contains(pdf, []byte("ETSI.CAdES.detached")) {
					t.Errorf("%s: the PDF carries no PAdES signature", d.Kind)
				}
				v, err := ta.svc.seals.Verify(ctx, pdf)
				if err != nil || !v.Valid {
					t.Errorf("%s: seal %+v %v", d.Kind, v, err)
				}
			}

			// The litigant has each notice in the inbox, in Chinese, and
			// by SMS (to the number of the account).
			r = must(t, lit.get("/api/v1/inbox"), http.StatusOK)
			if n := strings.Count(string(r.Body), "送达"); n < 3 {
				t.Errorf("inbox: %d service notices, want 3: %s", n, truncate(r.String(), 600))
			}
			if n := len(ta.svc.devSMS.Sent()); n < 3 {
				t.Errorf("%d SMS sent, want at least 3", n)
			}

			// The filing officer issues a judgment (the renderer's
			// two-page fixture) and serves it on the plaintiff: it is
			// sealed, and the appeal period runs from its service.
			var plaintiff string
			c, err := ta.svc.casefile.Get(asSystem(ctx), caseID)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Parties {
				if p.Role == "plaintiff" {
					plaintiff = p.ID
				}
			}
			// Judgments go out electronically only with the party's
			// express consent on the address confirmation.
			must(t, lit.do("PUT", "/api/v1/cases/"+caseID+"/delivery/consent", map[string]any{"party_id": plaintiff,
				"electronic": true, "judgments": true, "acknowledged": true,
				"channels": []map[string]string{{"channel": "inbox"}, {"channel": "sms", "address": "13800005678"}}}), http.StatusOK)
			judgment, err := os.ReadFile("../document/render/testdata/civil_judgment.json")
			if err != nil {
				t.Fatal(err)
			}
			issue := rawJSON(fmt.Sprintf(`{"document":%s,"serve_on":[%q],"appealable":true}`, judgment, plaintiff))
			r = must(t, off.do("POST", "/api/v1/cases/"+caseID+"/documents", issue, "Idempotency-Key", "judgment-1"), http.StatusCreated)
			issued := decode[struct {
				Document struct {
					ID, Kind, Code string
					Pages          int
				} `json:"document"`
				Services []struct {
					ID string `json:"id"`
				} `json:"services"`
			}](t, r)
			if issued.Document.Kind != "judgment" || issued.Document.Pages < 2 || len(issued.Services) != 1 {
				t.Errorf("issued judgment: %s", truncate(r.String(), 500))
			}
			again := must(t, off.do("POST", "/api/v1/cases/"+caseID+"/documents", issue, "Idempotency-Key", "judgment-1"), http.StatusConflict)
			_ = again // the document is the same; serving it twice is refused (use resend)
			must(t, lit.do("POST", "/api/v1/cases/"+caseID+"/documents", issue), http.StatusForbidden)
			deadline = time.Now().Add(30 * time.Second)
			for {
				r = must(t, lit.get("/api/v1/cases/"+caseID+"/delivery/periods"), http.StatusOK)
				if strings.Contains(r.String(), `"appeal_judgment"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no appeal period after the judgment was served: %s", truncate(r.String(), 500))
				}
				time.Sleep(200 * time.Millisecond)
			}

			// The ledger holds every document's hash once a tree head is
			// signed, and the proof verifies offline.
			if _, err := ta.svc.ledger.SignTreeHead(ctx); err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				sum, _ := hex.DecodeString(d.SHA256)
				deadline := time.Now().Add(20 * time.Second)
				for {
					st, err := ta.svc.ledger.Inclusion(ctx, sum)
					if err == nil && st.State == ledger.Included {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%s: not in the ledger: %+v %v", d.Kind, st, err)
					}
					time.Sleep(200 * time.Millisecond)
					ta.svc.ledger.SignTreeHead(ctx)
				}
			}
		})
	}
}

// rawJSON is a request body that is already JSON.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }
