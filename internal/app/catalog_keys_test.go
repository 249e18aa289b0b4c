package app

import (
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/fees"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/auth"
)

// templateKey is one message key that a template uses.
type templateKey struct{ file, key string }

var (
	literalKey = regexp.MustCompile(`\.T "([^"]+)"`)
	printfKey  = regexp.MustCompile(`\.T \(printf "([^"%]*)%s"`)
)

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// printfValues are the values a printf-built key prefix is expanded over:
// every value the templates can pass.
func printfValues() map[string][]string {
	roles := strs(auth.AllRoles)
	reps := strs([]casefile.RepresentativeKind{casefile.Lawyer, casefile.Agent, casefile.LegalRep})
	return map[string][]string{
		"casefile.status.":              strs(casefile.Statuses),
		"casefile.procedure.":           strs(casefile.Procedures),
		"casefile.role.":                strs(casefile.PartyRoles),
		"casefile.rep.":                 reps, // what case.html used at first; these keys do not exist
		"casefile.representative_kind.": reps,
		"casefile.stage.":               strs(casefile.Stages),
		"casefile.event.": append([]string{"case.created", "case.status_changed", "case.assigned", "consent.given", "consent.withdrawn",
			"party.added", "representative.added", "party.account_linked", "document.issued"}, delivery.TimelineTypes...),
		"delivery.period_kind.": strs([]delivery.PeriodKind{delivery.PeriodAnswer, delivery.PeriodAppealAnswer,
			delivery.PeriodAppealJudgment, delivery.PeriodAppealRuling}),
		"identity.verification.": strs([]identity.Verification{identity.Unverified, identity.VerifiedDevelopment, identity.VerifiedNational}),
		"identity.session_kind.": {identity.WebSession, identity.APIToken},
		"identity.id_type.":      {"resident_id", "passport", "uscc"},
		"role.":                  roles,
		"fees.kind.":             strs(feeKinds()),
		"fees.status.":           strs(fees.Statuses),
	}
}

// templateKeys scans the templates of identity, the app (portal) and the
// web layout for message keys: literal .T "key" and printf prefixes
// expanded over printfValues, plus the navigation keys and the court level
// and kind keys the templates reach through methods.
func templateKeys(t *testing.T) []templateKey {
	t.Helper()
	sets := map[string]fs.FS{
		"identity": identity.Templates,
		"portal":   portalTemplates,
		"web":      os.DirFS("../platform/web/templates"),
	}
	values := printfValues()
	seen := map[string]bool{}
	var out []templateKey
	add := func(file, key string) {
		if !seen[key] {
			seen[key] = true
			out = append(out, templateKey{file, key})
		}
	}
	files := 0
	for ns, fsys := range sets {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
				return err
			}
			files++
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			src := string(b)
			name := ns + "/" + p
			for _, m := range literalKey.FindAllStringSubmatch(src, -1) {
				add(name, m[1])
			}
			for _, m := range printfKey.FindAllStringSubmatch(src, -1) {
				vs, ok := values[m[1]]
				if !ok {
					t.Errorf("%s: printf key prefix %q: no known values; add them to printfValues", name, m[1])
					continue
				}
				for _, v := range vs {
					add(name, m[1]+v)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s templates: %v", ns, err)
		}
	}
	if files < 12 {
		t.Fatalf("scanned only %d template files", files)
	}
	// Keys the templates reach through data: navigation and court labels.
	a := &App{cfg: Config{Demo: true}}
	for _, p := range []auth.Principal{{}, {UserID: "x", Grants: []auth.Grant{{Role: auth.Judge, CourtID: "c"}}}} {
		for _, n := range a.nav(p) {
			add("routes.go nav", n.Key)
		}
	}
	for _, l := range court.Levels {
		add("courts.html", l.MessageKey())
	}
	for _, k := range court.Kinds {
		add("courts.html", k.MessageKey())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// feeKinds are the fee kinds of the schedule in force today.
func feeKinds() []fees.Kind {
	v, ok := fees.DefaultSchedule().At(calendar.DateOf(time.Now()))
	if !ok {
		return nil
	}
	return v.Kinds()
}
