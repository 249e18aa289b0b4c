//go:build ignore

// emblem_gen draws the national emblem (国徽) shown in the online
// courtroom (Online Litigation Rules Art. 24: the online court keeps the
// emblem in a prominent place) and writes it as SVG to the file named
// by its argument (standard output without one):
//
//	go run emblem_gen.go static/emblem.svg   (go generate does this)
//
// The composition follows the description annexed to the 国徽法 (国徽图案
// 制作说明): Tiananmen in front view under five stars, framed by a ring of
// wheat and rice ears, a cogwheel on the crossing of the stalks at the
// bottom, a red ribbon through the centre of the cogwheel tied round the
// stalks on either side and hanging down; the design is symmetric about
// the vertical axis; gold on red. Every coordinate is computed here (the
// drawing is the emblem's construction, not a copy of its artwork); it is
// a simplified rendering for the screen, not a reproduction for seals.
package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

const (
	gold = "#FFD700"
	red  = "#DE2910"
)

func f(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		s = "0"
	}
	return s
}

// star returns the path of a five-pointed star centred at (cx, cy) with
// circumradius r whose first tip points at angle a (radians, y down).
func star(cx, cy, r, a float64) string {
	var b strings.Builder
	ri := r * 0.382
	for k := 0; k < 10; k++ {
		rr := r
		if k%2 == 1 {
			rr = ri
		}
		t := a + float64(k)*math.Pi/5
		if k == 0 {
			b.WriteString("M")
		} else {
			b.WriteString("L")
		}
		b.WriteString(f(cx+rr*math.Cos(t)) + "," + f(cy+rr*math.Sin(t)))
	}
	b.WriteString("Z")
	return b.String()
}

// polar: phi in degrees from the top, clockwise.
func polar(r, phi float64) (float64, float64) {
	p := phi * math.Pi / 180
	return r * math.Sin(p), -r * math.Cos(p)
}

func main() {
	var b strings.Builder
	w := func(s string, a ...any) { fmt.Fprintf(&b, s, a...) }
	w(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="-100 -100 200 200" role="img">`)
	// The red field inside the ring of grain.
	w(`<circle r="73" fill="%s"/>`, red)
	// Ring of wheat and rice: on each side a stalk and a double row of
	// grains rising from the cogwheel to the top, where the ears meet.
	w(`<g fill="%s" stroke="%s" stroke-width="1.1">`, gold, red)
	// stalks
	for _, s := range []float64{1, -1} {
		x0, y0 := polar(81, 168*s)
		x1, y1 := polar(81, 14*s)
		sweep := 0
		if s < 0 {
			sweep = 1
		}
		w(`<path fill="none" stroke="%s" stroke-width="3" d="M%s,%sA81,81 0 0 %d %s,%s"/>`, gold, f(x0), f(y0), sweep, f(x1), f(y1))
	}
	var grains []string
	for _, s := range []float64{1, -1} {
		for phi := 160.0; phi >= 17; phi -= 7.15 {
			for _, side := range []float64{1, -1} { // outer, inner row
				r := 82 + side*4.8
				x, y := polar(r, phi*s)
				// along the ring (phi+90), leaning out from the stalk
				rot := (phi+90)*s + side*s*(-24)
				grains = append(grains, fmt.Sprintf(`<ellipse cx="%s" cy="%s" rx="3.3" ry="7" transform="rotate(%s %s %s)"/>`,
					f(x), f(y), f(rot), f(x), f(y)))
			}
		}
		x, y := polar(82, 10*s)
		grains = append(grains, fmt.Sprintf(`<ellipse cx="%s" cy="%s" rx="3.4" ry="7.5" transform="rotate(%s %s %s)"/>`,
			f(x), f(y), f((10+90)*s), f(x), f(y)))
	}
	w("%s", strings.Join(grains, ""))
	w(`</g>`)
	// Five stars: the large one in the centre, four small ones on an arc
	// below it, each with one tip at the large star's centre.
	w(`<g fill="%s">`, gold)
	cx, cy := 0.0, -50.0
	w(`<path d="%s"/>`, star(cx, cy, 13, -math.Pi/2))
	for _, a := range []float64{-72, -38, 38, 72} {
		ar := a * math.Pi / 180
		sx, sy := cx+29*math.Sin(ar), cy+29*math.Cos(ar)
		w(`<path d="%s"/>`, star(sx, sy, 4.8, math.Atan2(cy-sy, cx-sx)))
	}
	w(`</g>`)
	// Tiananmen, front view: double-eaved gate tower on the city wall
	// with five gateways, the bridge and the base below.
	w(`<g fill="%s">`, gold)
	w(`<path d="M-19,-18H19L21,-22L23,-18Q26,-11 41,-12.5L38,-8H-38L-41,-12.5Q-26,-11 -23,-18L-21,-22Z"/>`)
	w(`<rect x="-31" y="-8" width="62" height="7"/>`)
	w(`<path d="M-34,-1H34Q38,4 48,3.5L45,7.5H-45L-48,3.5Q-38,4 -34,-1Z"/>`)
	w(`<rect x="-44" y="8.5" width="88" height="3.5"/>`)
	w(`<path d="M-48,13.5H48L51,36H-51Z"/>`)
	w(`<rect x="-57" y="37.5" width="114" height="3.5"/><rect x="-61" y="42.5" width="122" height="3"/>`)
	w(`</g>`)
	// red line work: columns of the hall, railing, gateways, bridge piers
	w(`<g fill="%s">`, red)
	for x := -26.0; x <= 26; x += 8.67 {
		w(`<rect x="%s" y="-7" width="2.2" height="5"/>`, f(x-1.1))
	}
	for x := -38.0; x <= 38; x += 7.6 {
		w(`<rect x="%s" y="9.3" width="1.4" height="2"/>`, f(x-0.7))
	}
	gate := func(x, hw, h float64) {
		w(`<path d="M%s,36V%sA%s,%s 0 0 1 %s,%sV36Z"/>`, f(x-hw), f(36-h+hw), f(hw), f(hw), f(x+hw), f(36-h+hw))
	}
	gate(0, 4.2, 14)
	gate(-15, 3.4, 12)
	gate(15, 3.4, 12)
	gate(-30, 2.8, 10)
	gate(30, 2.8, 10)
	for x := -50.0; x <= 50; x += 10 {
		w(`<rect x="%s" y="41" width="1.2" height="1.5"/>`, f(x-0.6))
	}
	w(`</g>`)
	// Cogwheel on the crossing of the stalks.
	gy := 75.0
	var cog strings.Builder
	const teeth = 12
	for k := 0; k < teeth; k++ {
		for _, p := range [][2]float64{{-0.38, 13}, {-0.22, 17}, {0.22, 17}, {0.38, 13}} {
			t := (float64(k) + p[0]) * 2 * math.Pi / teeth
			if cog.Len() == 0 {
				cog.WriteString("M")
			} else {
				cog.WriteString("L")
			}
			cog.WriteString(f(p[1]*math.Sin(t)) + "," + f(gy-p[1]*math.Cos(t)))
		}
	}
	cog.WriteString("Z")
	w(`<path fill="%s" stroke="%s" stroke-width=".8" d="%s"/>`, gold, red, cog.String())
	w(`<circle cy="%s" r="8" fill="none" stroke="%s" stroke-width="1.2"/>`, f(gy), red)
	// The red ribbon: through the centre of the cogwheel, tied round the
	// stalks on either side, its ends hanging down.
	w(`<g fill="%s" stroke="%s" stroke-width="1">`, red, gold)
	w(`<path d="M-44,%sH44V%sH-44Z"/>`, f(gy-3), f(gy+3))
	for _, s := range []float64{1, -1} {
		p := func(x, y float64) string { return f(s*x) + "," + f(y) }
		w(`<path d="M%sL%sC%s %s %sL%sL%sC%s %s %sZ"/>`,
			p(38, gy-5), p(47, gy-7), p(60, gy+4), p(62, gy+12), p(69, gy+22), p(62, gy+20), p(58, gy+25),
			p(54, gy+14), p(46, gy+6), p(38, gy+5))
		w(`<ellipse cx="%s" cy="%s" rx="4.5" ry="6.5"/>`, f(s*43), f(gy))
	}
	w(`</g></svg>`)
	if len(os.Args) > 1 {
		if err := os.WriteFile(os.Args[1], []byte(b.String()+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	os.Stdout.WriteString(b.String() + "\n")
}
