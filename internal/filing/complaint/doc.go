// Package complaint holds the guided complaint templates of online filing
// (网上立案): one versioned template per cause of action (案由), each a fill-in
// form whose answers yield the claims (诉讼请求) with their amounts in fen, the
// facts and reasons (事实与理由) and the suggested evidence list (证据清单), and
// the rendering of the complaint (民事起诉状) in the standard layout.
//
// Templates are data, not code: data/templates/*.json, one file per cause and
// version, each with its effective date. A filed complaint keeps the template
// version it was written with (FindVersion). The few computations a template
// cannot express in its text (interest to date, the private-lending cap of
// 4× the one-year LPR, CPL Art. 127(7) for divorce) are named "calcs" in
// calc.go; the LPR series they use is data/lpr_cn.json, also versioned data.
//
// Answer formats (Answers is map[string]string, the form values as typed):
//   - money: yuan as people type it, parsed by money.ParseYuan ("12345.67",
//     "12,345.67", "¥100"); held as money.Fen.
//   - rate: an annual, monthly or daily percentage, see ParseRate ("15%",
//     "15", "年利率15%", "月利率1.5%", "1.5分", "日利率0.05%"); held exactly as
//     Rate, in units of 0.0001% a year. Never a float.
//   - date: "2006-01-02", a calendar date in China.
//   - yesno: "yes" or "no"; choice: one option's value; number: a
//     non-negative whole number; text/textarea: any text up to Max runes.
//
// Language: the complaint itself is always written in Chinese, as court
// documents are, whatever the user's language. RenderHTML and
// EvidenceCatalogue add an English gloss after each heading when lang is "en"
// so that an English-reading user can follow the preview; the text body stays
// Chinese. Form labels, hints, option labels, warnings and errors go through
// the messages bundle (Messages, keys "complaint.…") in both languages.
//
// Field errors (errs.Collector, every problem at once) use the field names of
// the template, or "parties[i].<field>" and "plaintiff"/"defendant"/
// "third_party" for the parties; their codes are listed in errors.go and each
// carries an explicit message key "complaint.error.<code>".
package complaint
