package app

import (
	"context"

	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// caseList is the body of GET /api/v1/cases.
type caseList struct {
	Items []struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Cause  string `json:"cause"`
	} `json:"items"`
}

// caseBody is the part of GET /api/v1/cases/{id} the tests read.
type caseBody struct {
	ID      string `json:"id"`
	Number  string `json:"number"`
	Parties []struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
		Masked   bool   `json:"masked"`
	} `json:"parties"`
}

// TestScenario runs the platform's main paths over real HTTP against the
// real app, once on SQLite and once on PostgreSQL.
func TestScenario(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, true)
			cfg.DatabaseURL = d.url(t)
			// Behind a proxy the client address comes from X-Forwarded-For;
			// the rate-limit step uses an address of its own through it.
			cfg.TrustProxy = true
			ta := startApp(t, cfg)
			if got := ta.DB.Dialect(); string(got) != d.name {
				t.Fatalf("dialect %s, want %s", got, d.name)
			}
			runScenario(t, ta)
		})
	}
}

func runScenario(t *testing.T, ta *testApp) {
	anon := newClient(t, ta.URL)
	ctx := context.Background()

	t.Run("register and verify", func(t *testing.T) {
		mobile := newMobile()
		acct, tok := ta.registerAPI(t, anon, mobile, "secret123")
		if acct.Verification != "none" {
			t.Errorf("new account verification %q, want none", acct.Verification)
		}
		me := anon.withToken(tok)
		id := newResidentID()
		must(t, me.do("POST", "/api/v1/me/verification", map[string]string{"name": "测试 李四", "id_number": id}), 200)
		got := decode[account](t, must(t, me.get("/api/v1/me"), 200))
		if got.Verification != "development" || got.RealName != "测试 李四" {
			t.Errorf("after verification: %+v, want verification development, real name 测试 李四", got)
		}
		if got.IDNumber == id || !strings.HasSuffix(got.IDNumber, id[len(id)-4:]) {
			t.Errorf("id_number %q: want the masked form of %s", got.IDNumber, id)
		}
		// One person, one account: the same ID number on another account is refused.
		_, tok2 := ta.registerAPI(t, anon, newMobile(), "secret123")
		r := anon.withToken(tok2).do("POST", "/api/v1/me/verification", map[string]string{"name": "测试 李四", "id_number": id})
		refused := decode[struct {
			Error struct {
				Fields []struct{ Field, Code string } `json:"fields"`
			} `json:"error"`
		}](t, r)
		if (r.StatusCode != 400 && r.StatusCode != 409) || len(refused.Error.Fields) != 1 ||
			refused.Error.Fields[0].Field != "id_number" || refused.Error.Fields[0].Code != "id_taken" {
			t.Errorf("verifying a taken ID number: %s, want 400 or 409 with field id_number id_taken", r)
		}
	})

	t.Run("operator token", func(t *testing.T) {
		tools, err := OpenTools(ctx, ta.Cfg)
		if err != nil {
			t.Fatalf("OpenTools: %v", err)
		}
		defer tools.Close()
		tok, sess, err := tools.Identity.CreateToken(ctx, "litigant", "e2e", time.Hour)
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		if !strings.HasPrefix(tok, "ect_") || sess.ID == "" {
			t.Errorf("token %q, session %+v", tok, sess)
		}
		me := decode[account](t, must(t, anon.withToken(tok).get("/api/v1/me"), 200))
		if me.DisplayName != "演示当事人 王小渔" {
			t.Errorf("token's account %q, want the demo litigant", me.DisplayName)
		}
		if err := tools.Identity.RevokeToken(ctx, sess.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		checkEnvelope(t, anon.withToken(tok).get("/api/v1/me"), 401, "unauthenticated")
	})

	var cases caseList
	lit := anon.withToken(loginAPI(t, anon, "litigant", DemoPassword))
	t.Run("cases and access", func(t *testing.T) {
		cases = decode[caseList](t, must(t, lit.get("/api/v1/cases"), 200))
		if len(cases.Items) < 2 {
			t.Fatalf("demo litigant lists %d cases, want 2 or more", len(cases.Items))
		}
		for _, c := range cases.Items {
			before := ta.countAudit(t, "casefile.case.read")
			got := decode[caseBody](t, must(t, lit.get("/api/v1/cases/"+c.ID), 200))
			if got.ID != c.ID || got.Number == "" {
				t.Errorf("GET case %s: %+v", c.ID, got)
			}
			if after := ta.countAudit(t, "casefile.case.read"); after != before+1 {
				t.Errorf("reading case %s added %d casefile.case.read entries, want 1", c.Number, after-before)
			}
			must(t, lit.get("/api/v1/cases/"+c.ID+"/timeline"), 200)
		}

		// litigant2 is a party to the loan case and its appeal but not to
		// the maritime case: the casefile answers an outsider 404, so
		// nobody can probe which cases exist.
		lit2 := anon.withToken(loginAPI(t, anon, "litigant2", DemoPassword))
		mine2 := decode[caseList](t, must(t, lit2.get("/api/v1/cases"), 200))
		own2 := map[string]bool{}
		for _, c := range mine2.Items {
			own2[c.ID] = true
		}
		outsider := 0
		for _, c := range cases.Items {
			if own2[c.ID] {
				cb := decode[caseBody](t, must(t, lit2.get("/api/v1/cases/"+c.ID), 200))
				for _, p := range cb.Parties {
					if p.Name == "演示当事人 王小渔" && (!p.Masked || strings.Contains(p.IDNumber, "198001010")) {
						t.Errorf("case %s: litigant2 sees the other party unmasked: %+v", c.Number, p)
					}
				}
				continue
			}
			outsider++
			denied := ta.countAudit(t, "casefile.case.denied")
			checkEnvelope(t, lit2.get("/api/v1/cases/"+c.ID), 404, "not_found")
			checkEnvelope(t, lit2.get("/api/v1/cases/"+c.ID+"/timeline"), 404, "not_found")
			if got := ta.countAudit(t, "casefile.case.denied"); got < denied+1 {
				t.Errorf("refused read of %s was not audited as casefile.case.denied", c.Number)
			}
		}
		if outsider == 0 {
			t.Fatal("litigant2 is a party to every case of litigant; the demo data changed")
		}
		// A new, unrelated account sees none of them.
		_, tok := ta.registerAPI(t, anon, newMobile(), "secret123")
		stranger := anon.withToken(tok)
		if l := decode[caseList](t, must(t, stranger.get("/api/v1/cases"), 200)); len(l.Items) != 0 {
			t.Errorf("a new account lists %d cases", len(l.Items))
		}
		checkEnvelope(t, stranger.get("/api/v1/cases/"+cases.Items[0].ID), 404, "not_found")
		auditOK(t, ta.App)
	})

	t.Run("csrf", func(t *testing.T) {
		b := newClient(t, ta.URL)
		must(t, b.get("/login"), 200)
		form := url.Values{"login": {"litigant"}, "password": {DemoPassword}, "action": {"password"}}
		r := b.postForm("/login", form, false)
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("form POST /login without csrf_token: %d, want 403", r.StatusCode)
		}
		// With the token but from another site: refused as well.
		v := url.Values{"login": {"litigant"}, "password": {DemoPassword}, "csrf_token": {b.csrf()}}
		req, _ := http.NewRequest("POST", ta.URL+"/login", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if r := b.send(req); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site form POST /login: %d, want 403", r.StatusCode)
		}
		// With the token: signed in.
		r = b.postForm("/login", form, true)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("form POST /login with csrf_token: %s, want 303", r)
		}
		must(t, b.get("/cases"), 200)
	})

	t.Run("login rate limit", func(t *testing.T) {
		c := newClient(t, ta.URL)
		c.xff = "203.0.113.77"
		body := map[string]string{"login": "nobody-here", "password": "wrong-password1"}
		for i := 1; i <= 10; i++ {
			if r := c.do("POST", "/api/v1/sessions", body); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %s, want 401", i, r)
			}
		}
		r := c.do("POST", "/api/v1/sessions", body)
		checkEnvelope(t, r, http.StatusTooManyRequests, "rate_limited")
		if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
			t.Errorf("Retry-After %q, want a positive number of seconds", r.Header.Get("Retry-After"))
		}
		// The limit is per address.
		c.xff = "203.0.113.78"
		if r := c.do("POST", "/api/v1/sessions", body); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("another address: %s, want 401", r)
		}
	})

	t.Run("health and metrics", func(t *testing.T) {
		must(t, anon.get("/healthz"), 200)
		must(t, anon.get("/readyz"), 200)
		m := string(must(t, anon.get("/metrics"), 200).Body)
		for _, want := range []string{"ecourt_http_requests_total", "ecourt_outbox_pending", `route="GET /api/v1/cases/{id}"`} {
			if !strings.Contains(m, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		if len(cases.Items) == 0 {
			t.Skip("no cases (the cases step failed)")
		}
		// The loan case at 象山 (浙0225): it has a representative and the
		// demo judge's court.
		loan := ""
		for _, c := range cases.Items {
			if strings.Contains(c.Number, "浙0225") {
				loan = c.ID
			}
		}
		if loan == "" {
			t.Fatalf("no 浙0225 case among %+v", cases.Items)
		}
		b := browserLogin(t, ta, "litigant")
		for _, p := range []struct{ path, want string }{
			{"/cases", `id="my-cases"`},
			{"/cases/" + loan, `id="timeline"`},
			{"/inbox", `id="inbox-list"`},
			{"/settings", `id="save-settings"`},
			{"/verify", `id="verified-status"`},
			{"/courts", `id="courts"`},
			{"/", `class="card hero"`},
		} {
			body := page(t, b, p.path, 200, "zh-CN")
			if !strings.Contains(body, p.want) {
				t.Errorf("%s lacks %s", p.path, p.want)
			}
		}
		if body := page(t, b, "/cases", 200, "zh-CN"); !strings.Contains(body, "我的案件") || !strings.Contains(body, cases.Items[0].Number) {
			t.Errorf("/cases lacks 我的案件 or case %s", cases.Items[0].Number)
		}
		// A litigant is not staff.
		if r := b.get("/staff"); r.StatusCode != http.StatusForbidden {
			t.Errorf("/staff as litigant: %d, want 403", r.StatusCode)
		}
		// Signed out, pages send to the login page.
		if r := newClient(t, ta.URL).get("/cases"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("/cases signed out: %d → %q, want 303 to /login", r.StatusCode, r.Header.Get("Location"))
		}

		// Staff: the judge's workbench.
		j := browserLogin(t, ta, "judge")
		body := page(t, j, "/staff", 200, "zh-CN")
		for _, want := range []string{`id="counts"`, `id="results"`, "民间借贷纠纷"} {
			if !strings.Contains(body, want) {
				t.Errorf("/staff lacks %s", want)
			}
		}
		page(t, j, "/cases/"+loan, 200, "zh-CN")

		// Languages: ?lang=en for a visitor, and the account's setting.
		a := newClient(t, ta.URL)
		if body := page(t, a, "/?lang=en", 200, "en"); !strings.Contains(body, "Sign in") {
			t.Errorf("/?lang=en is not in English")
		}
		page(t, a, "/courts", 200, "en") // the lang cookie remembers it
		tok := loginAPI(t, anon, "litigant2", DemoPassword)
		must(t, anon.withToken(tok).do("PATCH", "/api/v1/me", map[string]string{"lang": "en"}), 200)
		e := browserLogin(t, ta, "litigant2")
		for _, p := range []string{"/cases", "/inbox", "/settings", "/verify", "/cases/" + loan, "/courts"} {
			body := page(t, e, p, 200, "en")
			if p == "/cases" && !strings.Contains(body, "My cases") {
				t.Errorf("/cases for an English account lacks My cases")
			}
		}

		// Elderly mode: the cookie (set by ?elderly=1) adds the class.
		if strings.Contains(page(t, b, "/cases", 200, ""), `<body class="elderly"`) {
			t.Error("elderly class without asking for it")
		}
		page(t, b, "/cases?elderly=1", 200, "")
		if !strings.Contains(page(t, b, "/inbox", 200, ""), `<body class="elderly"`) {
			t.Error("elderly cookie does not add class elderly")
		}
		page(t, b, "/cases?elderly=0", 200, "")
		if strings.Contains(page(t, b, "/inbox", 200, ""), `<body class="elderly"`) {
			t.Error("elderly=0 does not remove class elderly")
		}
	})

	t.Run("language switch when signed in", func(t *testing.T) {
		// The layout offers every page a language switch (?lang=en). A
		// signed-in person whose account says zh-CN must get English when
		// they press it, as they get large text when they press the
		// elderly switch.
		b := browserLogin(t, ta, "lawyer")
		page(t, b, "/cases", 200, "zh-CN")
		page(t, b, "/cases?lang=en", 200, "en")
	})

	t.Run("audit intact", func(t *testing.T) { auditOK(t, ta.App) })
}

// browserLogin signs in through the login form, as a browser does.
func browserLogin(t *testing.T, ta *testApp, login string) *client {
	t.Helper()
	b := newClient(t, ta.URL)
	r := b.postForm("/login", url.Values{"login": {login}, "password": {DemoPassword}, "action": {"password"}}, true)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %s", login, r)
	}
	return b
}

var (
	tags    = regexp.MustCompile(`(?s)<[^>]*>`)
	rawKey  = regexp.MustCompile(`\b(?:portal|identity|casefile|court|layout|error|notfound|role|field|site)\.[a-z_]+(?:\.[a-z_]+)*\b`)
	htmlTag = regexp.MustCompile(`<html lang="([^"]+)">`)
)

// page GETs an HTML page and checks its status, its language (when lang is
// not "") and that no untranslated message key shows.
func page(t *testing.T, c *client, path string, status int, lang string) string {
	t.Helper()
	r := c.get(path)
	if r.StatusCode != status {
		t.Errorf("GET %s: %d, want %d: %s", path, r.StatusCode, status, truncate(string(r.Body), 300))
		return string(r.Body)
	}
	body := string(r.Body)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET %s: Content-Type %q", path, r.Header.Get("Content-Type"))
	}
	m := htmlTag.FindStringSubmatch(body)
	switch {
	case m == nil:
		t.Errorf("GET %s: no <html lang>", path)
	case lang != "" && m[1] != lang:
		t.Errorf("GET %s: page language %s, want %s", path, m[1], lang)
	}
	text := tags.ReplaceAllString(body, " ")
	if keys := rawKey.FindAllString(text, -1); len(keys) > 0 {
		t.Errorf("GET %s (%s): untranslated message keys on the page: %v", path, lang, unique(keys))
	}
	return body
}

func unique(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
