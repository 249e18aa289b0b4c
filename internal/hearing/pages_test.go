package hearing_test

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/platform/web"
	webassets "github.com/ecourt/ecourt/web"
)

// assetsFS is the platform's static files plus the hearing's static files
// under hearing/ and a stand-in for the vendored LiveKit client, as the app
// must assemble them.
func assetsFS(t testing.TB) fs.FS {
	m := fstest.MapFS{}
	err := fs.WalkDir(webassets.Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(webassets.Static, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = fs.WalkDir(hearing.Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(hearing.Static, p)
		m["static/hearing/"+p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["static/vendor/livekit-client.umd.js"]; !ok {
		m["static/vendor/livekit-client.umd.js"] = &fstest.MapFile{Data: []byte("/* stand-in */")}
	}
	return m
}

func (f *fixture) pages(t testing.TB) http.Handler {
	cat, err := i18n.New(i18n.Platform(), hearing.Messages, casefile.Messages)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := web.NewAssets(assetsFS(t))
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(web.RendererConfig{Catalog: cat, Assets: assets, Pages: []web.PageSet{{Namespace: "hearing", FS: hearing.Templates}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	f.s.Pages(mux, rd)
	signIn := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(f.asCtx(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})
	return web.Chain(signIn, web.Configure(web.Options{Renderer: rd}))
}

func get(h http.Handler, method, path, user, lang string, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	req.Header.Set("Accept-Language", lang)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, f *fixture) {
		h := f.pages(t)
		c := f.newCase(t)
		hr := f.online(t, c)
		for _, lang := range []string{"zh-CN", "en"} {
			rec := get(h, "GET", "/hearings/"+hr.ID+"/room", "u-judge", lang, nil)
			b := rec.Body.String()
			if rec.Code != 200 || !strings.Contains(b, "审判长") || !strings.Contains(b, `data-action="admit"`) ||
				!strings.Contains(b, "/static/hearing/room.") || !strings.Contains(b, "/static/vendor/livekit-client.umd.") {
				t.Errorf("room page (%s): %d %.300s", lang, rec.Code, b)
			}
			emblem := map[string]string{"zh-CN": "中华人民共和国国徽", "en": "National Emblem of the People&#39;s Republic of China"}[lang]
			if !emblemRE.MatchString(b) || !strings.Contains(b, `alt="`+emblem+`"`) || !cssRE.MatchString(b) {
				t.Errorf("room page (%s): no emblem image with its label, or no room stylesheet", lang)
			}
			if rec := get(h, "GET", "/hearings/self-test", "", lang, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="st-start"`) {
				t.Errorf("self-test (%s): %d", lang, rec.Code)
			}
			if rec := get(h, "GET", "/hearings/public", "", lang, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), c.Number) ||
				!strings.Contains(rec.Body.String(), c.Cause) || !strings.Contains(rec.Body.String(), c.Parties[0].Name) {
				t.Errorf("public list (%s): %d", lang, rec.Code)
			}
			if rec := get(h, "GET", "/cases/"+c.ID+"/hearings", "u-clerk", lang, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `name="starts_at"`) {
				t.Errorf("schedule form (%s): %d", lang, rec.Code)
			}
		}
		if rec := get(h, "GET", "/hearings/"+hr.ID+"/room", "u-party", "zh-CN", nil); rec.Code != 200 || strings.Contains(rec.Body.String(), `id="room-panel"`) {
			t.Errorf("party's room page: %d, or shows the control panel", rec.Code)
		}
		if rec := get(h, "GET", "/hearings/"+hr.ID+"/room", "u-stranger", "zh-CN", nil); rec.Code != 404 {
			t.Errorf("stranger's room page: %d", rec.Code)
		}
		if rec := get(h, "GET", "/hearings/"+hr.ID+"/room", "", "zh-CN", nil); rec.Code != 303 {
			t.Errorf("signed-out room page: %d", rec.Code)
		}
		if rec := get(h, "GET", "/cases/"+c.ID+"/hearings", "u-party", "zh-CN", nil); rec.Code != 403 {
			t.Errorf("party's schedule form: %d", rec.Code)
		}
		if rec := get(h, "GET", "/hearings/"+hr.ID+"/live", "", "zh-CN", nil); rec.Code != 409 {
			t.Errorf("livestream before opening: %d", rec.Code)
		}
		// The form: 2 days' notice is refused next to the field, in the user's language.
		form := url.Values{"starts_at": {"2026-03-04T09:00"}, "duration_minutes": {"60"}, "courtroom": {"第三法庭"},
			"public": {"1"}, "judge_ids": {"u-otherjudge"}, "clerk_id": {"u-clerk"}}
		rec := get(h, "POST", "/cases/"+c.ID+"/hearings", "u-clerk", "en", form)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "CPL Art. 139") {
			t.Errorf("short notice form: %d %s", rec.Code, rec.Body)
		}
		form.Set("starts_at", "2026-03-09T09:00")
		if rec := get(h, "POST", "/cases/"+c.ID+"/hearings", "u-clerk", "zh-CN", form); rec.Code != 303 {
			t.Errorf("schedule form: %d %s", rec.Code, rec.Body)
		}
		hs, _ := f.s.ListForCase(f.as("u-clerk"), c.ID)
		if len(hs) != 2 || hs[1].Courtroom != "第三法庭" || !hs[1].StartsAt.Equal(china(2026, 3, 9, 9, 0)) {
			t.Errorf("after the form: %+v", hs)
		}
		if rec := get(h, "POST", "/cases/"+c.ID+"/hearings/"+hs[1].ID+"/cancel", "u-clerk", "zh-CN", url.Values{"reason": {"合议庭调整"}}); rec.Code != 303 {
			t.Errorf("cancel form: %d", rec.Code)
		}
		f.clk.Set(hr.StartsAt.Add(-time.Minute))
		ctl(t, f, "u-judge", hr.ID, "open", "")
		rec = get(h, "GET", "/hearings/"+hr.ID+"/live", "", "zh-CN", nil)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-token="tok-viewer-`) || strings.Contains(rec.Body.String(), "张三") {
			t.Errorf("livestream page: %d", rec.Code)
		}
		if !emblemRE.MatchString(rec.Body.String()) {
			t.Errorf("livestream page: no emblem image")
		}
	})
}

// emblemRE matches the emblem image of the room and livestream pages
// (Online Litigation Rules Art. 24), at its content-hash URL.
var emblemRE = regexp.MustCompile(`<img class="emblem" src="/static/hearing/emblem\.[0-9a-f]+\.svg" role="img" alt="[^"]+"`)

// cssRE matches the link to the room's stylesheet, which sizes the emblem.
var cssRE = regexp.MustCompile(`<link rel="stylesheet" href="/static/hearing/room\.[0-9a-f]+\.css">`)

// TestEmblem checks that the emblem the pages reference is served as an
// SVG image, small, and well-formed XML with the parts the emblem law
// describes: the red field, five stars, the ring of grain, the cogwheel.
func TestEmblem(t *testing.T) {
	assets, err := web.NewAssets(assetsFS(t))
	if err != nil {
		t.Fatal(err)
	}
	u := assets.URL("hearing/emblem.svg")
	if !emblemRE.MatchString(`<img class="emblem" src="` + u + `" role="img" alt="国徽"`) {
		t.Fatalf("emblem URL %q", u)
	}
	req := httptest.NewRequest("GET", u, nil)
	rec := httptest.NewRecorder()
	assets.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("GET %s: %d %q", u, rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.Bytes()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	if gz.Len() > 8<<10 {
		t.Errorf("emblem is %d bytes gzipped, want at most 8 KiB", gz.Len())
	}
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
		Role    string `xml:"role,attr"`
		Circles []struct {
			Fill string `xml:"fill,attr"`
		} `xml:"circle"`
		Groups []struct {
			Fill     string     `xml:"fill,attr"`
			Paths    []struct{} `xml:"path"`
			Ellipses []struct{} `xml:"ellipse"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(body, &svg); err != nil {
		t.Fatalf("emblem is not XML: %v", err)
	}
	if svg.XMLName.Space != "http://www.w3.org/2000/svg" || svg.XMLName.Local != "svg" || svg.ViewBox == "" || svg.Role != "img" {
		t.Errorf("emblem root %+v viewBox %q role %q", svg.XMLName, svg.ViewBox, svg.Role)
	}
	if len(svg.Circles) == 0 || svg.Circles[0].Fill != "#DE2910" {
		t.Errorf("emblem has no red field first: %+v", svg.Circles)
	}
	var stars, grains bool
	for _, g := range svg.Groups {
		stars = stars || g.Fill == "#FFD700" && len(g.Paths) == 5
		grains = grains || g.Fill == "#FFD700" && len(g.Ellipses) >= 40
	}
	if !stars || !grains {
		t.Errorf("emblem: five gold stars %v, ring of gold grains %v", stars, grains)
	}
}

// TestMessages checks that every message key the code and templates name
// exists in both bundles, and that the bundles have the same keys.
func TestMessages(t *testing.T) {
	cat, err := i18n.New(hearing.Messages)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	files, _ := os.ReadDir(".")
	keyRE := regexp.MustCompile(`"(hearing\.(?:error|flash)\.[a-z_]+)"`)
	fieldRE := regexp.MustCompile(`", "(hearing_[a-z_]+)"`)
	for _, e := range files {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		b, _ := os.ReadFile(e.Name())
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		for _, m := range fieldRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, "field."+m[1])
		}
	}
	tplRE := regexp.MustCompile(`\.T "([a-z_.]+)"`)
	fs.WalkDir(hearing.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(hearing.Templates, p)
		for _, m := range tplRE.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return nil
	})
	enum := map[string][]string{
		"hearing.status.": {"scheduled", "open", "recessed", "closed", "cancelled"},
		"hearing.state.":  {"expected", "waiting", "admitted", "left", "technical_interruption", "removed", "witness_out", "consulting"},
		"hearing.mode.":   {"online", "offline", "mixed"},
		"hearing.action.": hearing.Actions, "hearing.private.": hearing.PrivateReasons, "hearing.exclusion.": hearing.ExclusionGrounds,
		"casefile.event.hearing.": {"scheduled", "rescheduled", "cancelled", "opened", "closed"},
	}
	for p, vs := range enum {
		for _, v := range vs {
			keys = append(keys, p+v)
		}
	}
	for _, k := range keys {
		for _, lang := range []i18n.Lang{"zh-CN", "en"} {
			if got := cat.T(lang, k); got == k {
				t.Errorf("%s: no %s message", k, lang)
			}
		}
	}
}

func TestMigrationsMatch(t *testing.T) {
	if err := sqldb.CheckSet(hearing.Migrations); err != nil {
		t.Fatal(err)
	}
}
