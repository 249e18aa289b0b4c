package filing

import (
	"html/template"
	"time"

	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// This file is the one seam to the complaint package: the templates, the
// validation of answers and parties, and the built complaint.

// findTemplate returns the template of an application: the version it was
// started with.
func findTemplate(id, version string) (complaint.Template, error) {
	t, ok := complaint.FindVersion(id, version)
	if !ok {
		return complaint.Template{}, errs.Fields(errs.Field("template_id", "filing_template"))
	}
	return t, nil
}

// currentTemplate returns the template in force for a new application.
func currentTemplate(id string) (complaint.Template, error) {
	t, ok := complaint.Find(id)
	if !ok {
		return complaint.Template{}, errs.Fields(errs.Field("template_id", "filing_template"))
	}
	return t, nil
}

// toComplaintParties converts the parties for the complaint package; the
// lawyer or agent appears as the client's 委托诉讼代理人.
func toComplaintParties(ps []Party, rep *Representative, filedAs FiledAs) []complaint.Party {
	out := make([]complaint.Party, 0, len(ps))
	for i, p := range ps {
		cp := complaint.Party{Role: p.Role, Kind: p.Kind, Name: p.Name, Sex: p.Sex, Ethnicity: p.Ethnicity,
			Occupation: p.Occupation, Employer: p.Employer, IDType: p.IDType, IDNumber: p.IDNumber, Address: p.Address,
			Phone: p.Phone, LegalRep: p.LegalRep, LegalRepTitle: p.LegalRepTitle}
		if d, err := time.ParseInLocation("2006-01-02", p.BirthDate, clock.China); err == nil {
			cp.BirthDate = d
		}
		if rep != nil && rep.Client == i && (filedAs == AsLawyer || filedAs == AsAgent) {
			cp.Agent, cp.AgentFirm = rep.Name, rep.Firm
			if filedAs == AsLawyer {
				cp.AgentTitle = "律师"
			}
		}
		out = append(out, cp)
	}
	return out
}

// buildComplaint builds the complaint of a, with its evidence list.
func buildComplaint(a *Application, now time.Time) (complaint.Complaint, []complaint.Warning, error) {
	t, err := findTemplate(a.TemplateID, a.TemplateVersion)
	if err != nil {
		return complaint.Complaint{}, nil, err
	}
	c, warns, err := t.Build(complaint.Answers(a.Answers), toComplaintParties(a.Parties, a.Representative, a.FiledAs), now)
	if err != nil {
		return complaint.Complaint{}, nil, err
	}
	c.Evidence = c.Evidence[:0:0]
	for _, e := range a.Evidence {
		if e.Role == RoleEvidence {
			c.Evidence = append(c.Evidence, complaint.EvidenceItem{Name: e.Name, Source: e.Source, Purpose: e.Purpose,
				Pages: e.Pages, BlobSHA256: e.SHA256})
		}
	}
	return c, warns, nil
}

// renderComplaintAt renders the complaint (addressed to courtName) and its
// evidence catalogue for preview; an incomplete draft gives empty HTML.
func renderComplaintAt(a *Application, courtName, lang string, now time.Time) (doc, catalogue template.HTML) {
	c, _, err := buildComplaint(a, now)
	if err != nil {
		return "", ""
	}
	c.CourtName = courtName
	doc, _ = complaint.RenderHTML(c, lang)
	catalogue, _ = complaint.EvidenceCatalogue(c, lang)
	return doc, catalogue
}

// collect adds the field errors of err to v under prefix; an error without
// fields is returned.
func collect(v *errs.Collector, prefix string, err error) error {
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	for _, f := range e.Fields {
		f.Field = prefix + f.Field
		v.AddField(f)
	}
	return nil
}

// validateParties checks the parties against the template.
func validateParties(t complaint.Template, a *Application, now time.Time) error {
	return complaint.ValidateParties(t, toComplaintParties(a.Parties, a.Representative, a.FiledAs), now)
}

// evidenceRequired reports whether the template wants at least one item
// of evidence.
func evidenceRequired(t complaint.Template) bool { return len(t.Evidence) > 0 }

// fieldLabelKey is the message key of a field's label.
func fieldLabelKey(f complaint.Field) string {
	if f.LabelKey != "" {
		return f.LabelKey
	}
	return "complaint.field." + f.Name
}

// optionLabelKey is the message key of a choice's label.
func optionLabelKey(f complaint.Field, o complaint.Option) string {
	if o.LabelKey != "" {
		return o.LabelKey
	}
	return "complaint.option." + f.Name + "." + o.Value
}

// sectionLabelKey is the message key of a section's title.
func sectionLabelKey(s complaint.Section) string {
	if s.LabelKey != "" {
		return s.LabelKey
	}
	return "complaint.section." + s.Key
}
