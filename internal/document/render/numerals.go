package render

import (
	"strconv"
	"strings"
	"time"

	"github.com/ecourt/ecourt/internal/platform/clock"
	"github.com/ecourt/ecourt/internal/platform/money"
)

var cnDigit = []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// cnDate writes the China calendar date of t in Chinese numerals, as the
// date under a court document is written: 二〇二六年十一月二十六日 (the year
// digit by digit with 〇 for zero, month and day as numbers).
func cnDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.In(clock.China).Date()
	var b strings.Builder
	for _, c := range strconv.Itoa(y) {
		b.WriteString(cnDigit[c-'0'])
	}
	b.WriteString("年")
	b.WriteString(cnNumber(int(m)))
	b.WriteString("月")
	b.WriteString(cnNumber(d))
	b.WriteString("日")
	return b.String()
}

// arDate writes the China calendar date of t in Arabic numerals, as dates
// inside the body of a document are written: 2026年11月26日.
func arDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	y, m, d := t.In(clock.China).Date()
	return strconv.Itoa(y) + "年" + strconv.Itoa(int(m)) + "月" + strconv.Itoa(d) + "日"
}

// arDateTime writes a China time to the second: 2026年11月26日 09:30:05.
func arDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return arDate(t) + " " + t.In(clock.China).Format("15:04:05")
}

// isoDateTime writes a China time on two lines for narrow table cells:
// 2026-11-26 and 10:30:02.
func isoDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.China).Format("2006-01-02\n15:04:05")
}

// cnNumber writes 0 ≤ n < 100 in Chinese numerals: 十, 十一, 二十六.
func cnNumber(n int) string {
	switch {
	case n < 10:
		return cnDigit[n]
	case n < 20:
		return "十" + strings.TrimPrefix(cnDigit[n%10], "〇")
	case n < 100:
		s := cnDigit[n/10] + "十"
		if n%10 != 0 {
			s += cnDigit[n%10]
		}
		return s
	}
	return strconv.Itoa(n)
}

// cnOrdinal is the heading number of item i (from 1) of a numbered list in
// a court document: 一、 二、 … 十一、.
func cnOrdinal(i int) string {
	if i == 0 {
		return "零、"
	}
	return cnNumber(i) + "、"
}

// yuan writes an amount of money as court documents do: thousands
// separators, and fen only when there are some: 1,234,567.89 or 5,900.
func yuan(f money.Fen) string {
	return strings.TrimSuffix(f.String(), ".00")
}

// yuanUpper writes an amount in the financial uppercase of fee notices:
// 人民币壹万陆仟玖佰壹拾壹元整.
func yuanUpper(f money.Fen) string {
	return "人民币" + money.Uppercase(f)
}

// days writes a number of days in Chinese numerals for the legal text:
// 七日, 十五日, 三十日.
func days(n int) string { return cnNumber(n) + "日" }
