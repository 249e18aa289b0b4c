package render

import "unicode"

// Character classes for line breaking, after the W3C "Requirements for
// Chinese Text Layout" (clreq, 行首行尾禁则), JIS X 4051 classes 1–8 and the
// Simplified Chinese kinsoku sets of office software, as courts print it.

// noStart are the characters that must not begin a line: closing brackets
// and quotes, the pause and stop marks, middle dots, iteration and
// prolonged-sound marks, small kana, the ellipsis, and unit signs that
// follow a number.
const noStart = "）］｝〕〉》」』】〙〗〟’”｠»)]}" +
	"，。、．：；？！,.:;?!‼⁇⁈⁉" +
	"·・‧・" +
	"ー々〻ゝゞヽヾ〃∶～￠" +
	"ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ" +
	"…‥" +
	"%‰‱％℃℉°′″"

// noEnd are the characters that must not end a line: opening brackets and
// quotes, currency signs that precede a number, and the middle dot of
// transliterated names (阿卜杜勒·克里木), which stays with both halves.
const noEnd = "（［｛〔〈《「『【〘〖〝‘“｟«([{" +
	"￥¥$＄£￡€" +
	"·・"

// cjkPunct are the full-width punctuation marks whose em box has an empty
// half that may be squeezed (see fontSet.blankSide).
const cjkPunct = "，。、．：；？！" +
	"）］｝〕〉》」』】〙〗’”" +
	"（［｛〔〈《「『【〘〖‘“"

// unitAfterNumber are the characters kept on the line of the number they
// follow (a house rule on top of clreq: "2026年", "1,234.56元", "第3条").
const unitAfterNumber = "年月日时分秒元角号条款项页份件次倍名岁天周个人户"

var (
	noStartSet  = runeSet(noStart)
	noEndSet    = runeSet(noEnd)
	cjkPunctSet = runeSet(cjkPunct)
	unitSet     = runeSet(unitAfterNumber)
)

func runeSet(s string) map[rune]bool {
	m := make(map[rune]bool, len(s))
	for _, r := range s {
		m[r] = true
	}
	return m
}

func isNoStart(r rune) bool  { return noStartSet[r] }
func isNoEnd(r rune) bool    { return noEndSet[r] }
func isCJKPunct(r rune) bool { return cjkPunctSet[r] }

// isInseparable reports the marks that come in pairs and must not be split
// across lines: —— (破折号) and …… (省略号) take two character spaces and
// stay on one line (GB/T 15834-2011).
func isInseparable(r rune) bool { return r == '—' || r == '…' || r == '⸺' }

// class is a character's role in breaking.
type class uint8

const (
	clSpace class = iota // breakable space, dropped at a break
	clWord               // part of a Latin word or number, kept together
	clCJK                // an ideograph, kana, or full-width mark: a box of its own
)

// classify returns r's class. Letters and digits of alphabetic scripts and
// ASCII punctuation build words; everything wide (East Asian) stands alone.
func classify(r rune) class {
	switch {
	case r == ' ' || r == '\t':
		return clSpace
	case r < 0x80:
		return clWord
	case isWide(r):
		return clCJK
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\u00a0':
		return clWord
	}
	// Symbols (× → ① § and the curly quotes, which GB fonts draw
	// full-width) stand alone like ideographs.
	return clCJK
}

// isWide reports East Asian wide and full-width characters (UAX #11 W/F,
// the ranges that occur in court documents).
func isWide(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E, // CJK radicals, punctuation
		r >= 0x3040 && r <= 0x33FF, // kana, bopomofo, compatibility
		r >= 0x3400 && r <= 0x4DBF, // Extension A
		r >= 0x4E00 && r <= 0x9FFF, // Unified Ideographs
		r >= 0xA960 && r <= 0xA97F,
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // compatibility ideographs
		r >= 0xFE10 && r <= 0xFE19, r >= 0xFE30 && r <= 0xFE6F,
		r >= 0xFF00 && r <= 0xFF60, r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x20000 && r <= 0x3FFFD:
		return true
	}
	return false
}

// isDigit reports an ASCII or full-width digit.
func isDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }
