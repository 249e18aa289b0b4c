// Package delay computes the doubled part of delay interest in enforcement
// (加倍部分债务利息, CPL (2023) Art. 264; 最高人民法院关于执行程序中计算迟延履行
// 期间的债务利息适用法律若干问题的解释, 法释〔2014〕8号, "the 2014
// interpretation") and the two-year period for applying for enforcement
// (CPL (2023) Art. 250, with suspension and interruption under 执行程序解释
// (2020) Art. 19–20).
//
// It is pure computation: no I/O, no clock. Rates are versioned data
// (data/rates.json, embedded) with effective dates, not constants in code.
//
// # What Compute assumes
//
// Base. The 2014 interpretation Art. 1 computes the doubled part on "债务人尚未
// 清偿的生效法律文书确定的除一般债务利息之外的金钱债务": the money debt fixed by
// the document, without ordinary (general) interest. Input.Principal or the
// instalment amounts are that base. The ordinary interest of the delay period
// (Art. 1 para 2) is computed as the document says and is not this package's
// business; it is never part of the base, so the doubled part never compounds.
//
// Start. Art. 2: from the end of the performance period (履行期间届满之日); for
// instalments, each instalment from its own due date; with no period set, from
// the day the document took effect (pass that day as Due). The triggering day
// itself is not counted (CPL Art. 85 para 2, 民诉法解释 Art. 125: periods
// counted in days run from the next day), so the first day of delay is the
// day after Due.
//
// End. Art. 3 para 1–2: until performance is complete, and for each partial
// performance until the day of that performance; for a deduction of deposits
// or income until the deduction day; for an auction, sale or transfer in kind
// until the day the ruling on the transaction or the transfer takes effect.
// The caller passes each of these as a Payment on that day. The end day
// counts: a debt due on 2024-01-10 and paid on 2024-03-10 bears 60 days
// (days = On − Due). Input.Until is likewise inclusive: the result is the
// interest accrued up to and including Until; payments after Until are not
// considered.
//
// Excluded periods. Art. 3 para 3: suspension or stay not requested by the
// debtor, during review of the document, and suspension during retrial, do
// not count. Each Excluded period is inclusive of both From and To; days in it
// bear no doubled interest. Overlapping periods are merged.
//
// Order of application (Art. 4). When the debtor's assets do not cover
// everything, the money debt fixed by the document is paid before the doubled
// interest, unless the parties agreed otherwise. Compute applies every
// payment to the base first — to the instalments in order of due date,
// including instalments not yet due (they are part of the money debt fixed
// by the document; among several debts, Civil Code Art. 560 puts the one due
// first first) — and only what is left after the whole base is paid goes to
// the doubled interest accrued so far. Anything beyond that is reported as
// Overpaid. A Payment is the amount applied to the base debt: when ordinary
// interest or costs are also owed, the caller first sets aside the part of
// each payment that went to them (Civil Code Art. 561) and passes the rest.
// An agreement on another order is outside this calculator.
//
// Rounding. Each line's interest is base × rate × days, rounded to the
// nearest fen with halves up; the total is the sum of the lines, so the
// explanation adds up exactly.
//
// Before the interpretation. Art. 7: delay before the first rate in the table
// took effect (2014-08-01) is computed under the earlier rules, which this
// table does not hold; such days appear as lines of kind KindBeforeRate with
// no interest, so the result never silently claims to cover them.
package delay
