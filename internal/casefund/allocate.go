package casefund

import (
	"math/big"
	"slices"

	"github.com/ecourt/ecourt/internal/platform/money"
)

// owedNow is what one applicant is owed just before a receipt is
// allocated, per kind.
type owedNow struct {
	PartyID, Name              string
	Principal, Interest, Delay money.Fen
}

// split is what a receipt can go to, in order.
type split struct {
	Fee, Costs   money.Fen
	Claims       []owedNow
	SurplusParty string // the debtor to whom a surplus returns
	SurplusName  string
}

// Basis keys: the rule each line applies (messages "casefund.basis.*").
const (
	BasisFee       = "casefund.basis.fee"
	BasisCosts     = "casefund.basis.costs"
	BasisPrincipal = "casefund.basis.principal"
	BasisInterest  = "casefund.basis.general_interest"
	BasisDelay     = "casefund.basis.delay_interest"
	BasisProRata   = "casefund.basis.pro_rata"
	BasisSurplus   = "casefund.basis.surplus"
)

// distribute allocates amount in the legal order and returns the lines
// (only kinds with something owed, plus a surplus line when money is left):
//
//  1. the enforcement application fee, payable after enforcement and borne
//     by the debtor (诉讼费用交纳办法 Art. 20, Art. 38), and the costs of
//     enforcement actually incurred (Art. 38): 民诉法解释 (2022) Art. 508
//     and 514 deduct 执行费用 from the proceeds before any creditor;
//  2. the money debt fixed by the document, principal then its general
//     interest, before
//  3. the doubled delay interest (2014 interpretation Art. 4: "应当先清偿
//     生效法律文书确定的金钱债务，再清偿加倍部分债务利息");
//  4. within each kind, several applicants share in proportion to what each
//     is owed (民诉法解释 Art. 508: "按照其占全部申请参与分配债权数额的比例
//     受偿", applied to the applicants of one case), fen by fen by largest
//     remainder, ties to the applicant listed first;
//  5. what is left over is returned to the debtor.
func distribute(amount money.Fen, in split) []AllocationLine {
	left := amount
	var out []AllocationLine
	add := func(kind, party, name, basis string, owed, got money.Fen) {
		out = append(out, AllocationLine{Seq: len(out) + 1, Kind: kind, PartyID: party, PartyName: name, Owed: owed, Amount: got, Basis: basis})
		left -= got
	}
	if in.Fee > 0 {
		add(KindFee, "", "", BasisFee, in.Fee, min(left, in.Fee))
	}
	if in.Costs > 0 {
		add(KindCosts, "", "", BasisCosts, in.Costs, min(left, in.Costs))
	}
	for _, k := range []struct {
		kind, basis string
		owed        func(owedNow) money.Fen
	}{
		{KindPrincipal, BasisPrincipal, func(o owedNow) money.Fen { return o.Principal }},
		{KindInterest, BasisInterest, func(o owedNow) money.Fen { return o.Interest }},
		{KindDelay, BasisDelay, func(o owedNow) money.Fen { return o.Delay }},
	} {
		weights := make([]money.Fen, len(in.Claims))
		var total money.Fen
		for i, c := range in.Claims {
			weights[i] = max(k.owed(c), 0)
			total += weights[i]
		}
		if total == 0 {
			continue
		}
		shares, basis := weights, k.basis
		if left < total {
			shares = prorata(left, weights)
			if countPositive(weights) > 1 {
				basis = BasisProRata
			}
		}
		for i, c := range in.Claims {
			if weights[i] > 0 {
				add(k.kind, c.PartyID, c.Name, basis, weights[i], shares[i])
			}
		}
	}
	if left > 0 {
		add(KindSurplus, in.SurplusParty, in.SurplusName, BasisSurplus, 0, left)
	}
	return out
}

func countPositive(ws []money.Fen) int {
	n := 0
	for _, w := range ws {
		if w > 0 {
			n++
		}
	}
	return n
}

// prorata splits amount (less than the sum of weights) in proportion to
// weights: each gets the floor of its exact share, and the fen left over go
// one each to the largest remainders (the earlier index on a tie). The
// products are computed exactly.
func prorata(amount money.Fen, weights []money.Fen) []money.Fen {
	var total int64
	for _, w := range weights {
		total += int64(w)
	}
	out := make([]money.Fen, len(weights))
	if total == 0 || amount <= 0 {
		return out
	}
	type rem struct {
		i int
		r *big.Int
	}
	rems := make([]rem, len(weights))
	bt := big.NewInt(total)
	var given money.Fen
	for i, w := range weights {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(int64(amount)), big.NewInt(int64(w))), bt, new(big.Int))
		out[i] = money.Fen(q.Int64())
		given += out[i]
		rems[i] = rem{i, r}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.r.Cmp(a.r) })
	for k := 0; given < amount; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}
