package casefund

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// The bank statement format (CSV) accepted by ImportStatement:
//
//   - UTF-8, an optional byte-order mark, comma-separated, RFC 4180 quoting;
//     blank lines are ignored.
//   - The first row is a header naming the columns, in any order, by their
//     English name or one of the usual Chinese labels of bank exports:
//
//     date           交易日期, 日期, 入账日期       YYYY-MM-DD (also YYYY/MM/DD or YYYYMMDD)
//     amount         金额, 贷方金额, 收入金额, 发生额 yuan, e.g. 1234.56 or 1,234.56; a debit
//                                                 (negative or zero) is skipped
//     payer          付款人, 对方户名, 付款人名称     the payer's name
//     payer_account  对方账号, 付款账号, 付款人账号   optional
//     reference      流水号, 交易流水号, 银行流水号   the bank's unique reference
//     remark         摘要, 附言, 备注, 用途          optional; a case number in it,
//                                                 such as （2026）浙0225执123号 or
//                                                 (2026)浙0225执123号, matches the line
//
//     date, amount, payer and reference are required; other columns are
//     ignored.
//   - Import is all or nothing: any bad line rejects the file with the line
//     numbers (fields "lines.<n>.<column>"), and nothing is stored.
//   - It is idempotent by bank reference: a line whose reference is already
//     stored for the court counts as a duplicate and is not added again; the
//     same reference twice in one file with different content is an error.
//
// Example:
//
//	date,amount,payer,payer_account,reference,remark
//	2026-03-02,"50,000.00",李四,6222020012345678,B20260302001,（2026）浙0225执1号 还款
//	2026-03-02,-20.00,本行,,B20260302002,手续费

// StatementLine is one parsed line of a statement (Line counts from 1 at
// the header).
type StatementLine struct {
	Line         int
	On           calendar.Date
	Amount       money.Fen
	Payer        string
	PayerAccount string
	Reference    string
	Remark       string
	Credit       bool // false for debits and zero amounts, which are skipped
}

var columnNames = map[string]string{
	"date": "date", "交易日期": "date", "日期": "date", "入账日期": "date",
	"amount": "amount", "金额": "amount", "贷方金额": "amount", "收入金额": "amount", "发生额": "amount",
	"payer": "payer", "付款人": "payer", "对方户名": "payer", "付款人名称": "payer",
	"payer_account": "payer_account", "对方账号": "payer_account", "付款账号": "payer_account", "付款人账号": "payer_account",
	"reference": "reference", "流水号": "reference", "交易流水号": "reference", "银行流水号": "reference",
	"remark": "remark", "摘要": "remark", "附言": "remark", "备注": "remark", "用途": "remark",
}

var requiredColumns = []string{"date", "amount", "payer", "reference"}

// maxLineErrors bounds the field errors reported for one file.
const maxLineErrors = 50

// ParseStatement reads a statement in the format above. maxLines bounds the
// number of data lines. Errors are errs.Invalid: field "file" with
// "casefund_csv" (unreadable), "casefund_csv_columns" (missing columns, the
// names as argument), "casefund_csv_empty" or "casefund_csv_too_many"; or
// one field per bad cell "lines.<n>.<column>".
func ParseStatement(r io.Reader, maxLines int) ([]StatementLine, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errs.Fields(errs.Field("file", "casefund_csv_empty"))
	}
	if err != nil {
		e := errs.Fields(errs.Field("file", "casefund_csv"))
		e.Cause = err
		return nil, e
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if name, ok := columnNames[strings.ToLower(h)]; ok {
			if _, dup := col[name]; !dup {
				col[name] = i
			}
		}
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, errs.Fields(errs.Field("file", "casefund_csv_columns", strings.Join(missing, ", ")))
	}
	cell := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var v errs.Collector
	nerr := 0
	bad := func(line int, field, code string, args ...any) {
		nerr++
		if nerr <= maxLineErrors {
			v.Add(fmt.Sprintf("lines.%d.%s", line, field), code, args...)
		}
	}
	var out []StatementLine
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			bad(line, "row", "casefund_csv")
			break
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= maxLines {
			return nil, errs.Fields(errs.Field("file", "casefund_csv_too_many", maxLines))
		}
		sl := StatementLine{Line: line}
		on, ok := parseStatementDate(cell(rec, "date"))
		if !ok {
			bad(line, "date", "date")
		}
		sl.On = on
		amt, err := money.ParseSignedYuan(strings.ReplaceAll(cell(rec, "amount"), " ", ""))
		if err != nil {
			bad(line, "amount", "casefund_amount")
		}
		sl.Amount, sl.Credit = amt, amt > 0
		sl.Payer, sl.PayerAccount, sl.Reference, sl.Remark = cell(rec, "payer"), cell(rec, "payer_account"), cell(rec, "reference"), cell(rec, "remark")
		for _, f := range []struct {
			name, val string
			max       int
		}{{"payer", sl.Payer, 200}, {"payer_account", sl.PayerAccount, 64}, {"reference", sl.Reference, 64}, {"remark", sl.Remark, 500}} {
			switch {
			case !utf8.ValidString(f.val):
				bad(line, f.name, "format")
			case utf8.RuneCountInString(f.val) > f.max:
				bad(line, f.name, "too_long", f.max)
			}
		}
		if sl.Reference == "" {
			bad(line, "reference", "required")
		}
		if sl.Credit && sl.Payer == "" {
			bad(line, "payer", "required")
		}
		if prev, dup := seen[sl.Reference]; dup && sl.Reference != "" {
			if p := out[prev]; p.On != sl.On || p.Amount != sl.Amount || p.Payer != sl.Payer || p.Remark != sl.Remark {
				bad(line, "reference", "casefund_reference_twice")
			}
			continue // the same line twice in one export: keep one
		}
		seen[sl.Reference] = len(out)
		out = append(out, sl)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.Fields(errs.Field("file", "casefund_csv_empty"))
	}
	return out, nil
}

func parseStatementDate(s string) (calendar.Date, bool) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 8 && !strings.ContainsAny(s, "-/"):
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	case strings.Contains(s, "/"):
		s = strings.ReplaceAll(s, "/", "-")
	}
	d, err := calendar.ParseDate(s)
	return d, err == nil
}

// caseNumberRE finds a candidate case number: a year in brackets followed
// by the rest of the number up to 号 (and an optional 之N).
var caseNumberRE = regexp.MustCompile(`[（(]\s*\d{4}\s*[）)][^\s（()）号,，;；。]{1,30}号(?:之[一二三四五六七八九十百]+)?`)

// FindCaseNumber returns the first well-formed case number in a remark,
// formatted as casefile.Number.String does (full-width brackets), so that
// "(2026)浙0225执1号" and "（2026）浙0225执1号" match the same case.
func FindCaseNumber(remark string) (string, bool) {
	for _, m := range caseNumberRE.FindAllString(remark, 5) {
		m = strings.ReplaceAll(strings.ReplaceAll(m, " ", ""), "\u3000", "")
		if n, err := casefile.ParseNumber(m); err == nil {
			return n.String(), true
		}
	}
	return "", false
}

// sniffCSV rejects content that is plainly not a text statement (a binary
// file) before parsing.
func sniffCSV(b []byte) bool {
	return !bytes.ContainsRune(b[:min(len(b), 4096)], 0)
}
