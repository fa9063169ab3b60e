package main

import (
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// bar is one row of the chart: troupe's lead over one peer on one workload.
type bar struct {
	label, detail string
	lead, lo, hi  float64
	target        float64
	peer          string
}

var peerColors = map[string]string{
	"protoactor": "#4e79a7",
	"gevent":     "#59a14f",
	"net":        "#9c755f",
}

// svg draws troupe's lead over each peer as bars from 1 on a log scale:
// to the right troupe is ahead, to the left it trails; the whisker is the
// range of the round-by-round leads, the tick the target.
func (r *run) svg() string {
	var bars []bar
	for _, w := range r.Workloads {
		t := r.cell(w.ID, "troupe")
		for _, f := range r.Frameworks {
			c := r.cell(w.ID, f.Name())
			if f.Name() == "troupe" || len(c.values) == 0 || len(t.values) == 0 {
				continue
			}
			x := lead(w, t.median, c.median)
			if math.IsNaN(x) {
				continue
			}
			b := bar{
				label:  w.Title + " · " + f.Name(),
				detail: fmt.Sprintf("%.2f×  (%s vs %s)", x, formatValue(w, t.median), formatValue(w, c.median)),
				lead:   x, lo: x, hi: x, peer: f.Name(),
				target: targets[[2]string{w.ID, f.Name()}],
			}
			if per := r.roundLeads(w, f.Name()); len(per) > 0 {
				b.lo, b.hi = slices.Min(per), slices.Max(per)
			}
			bars = append(bars, b)
		}
	}

	lo, hi := 0.5, 2.0
	for _, b := range bars {
		lo, hi = min(lo, b.lo, b.lead), max(hi, b.hi, b.lead, b.target)
	}
	ticks := []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}
	for i := len(ticks) - 1; i >= 0; i-- {
		if ticks[i] <= lo {
			lo = ticks[i]
			break
		}
	}
	for _, t := range ticks {
		if t >= hi {
			hi = t
			break
		}
	}

	const (
		width, left, plotW, rowH, top = 1000, 300, 380, 22, 70
	)
	height := top + rowH*len(bars) + 40
	xOf := func(v float64) float64 {
		v = min(max(v, lo), hi)
		return left + plotW*(math.Log(v)-math.Log(lo))/(math.Log(hi)-math.Log(lo))
	}
	var s strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&s, format, a...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="10" y="20" font-size="15" font-weight="bold">troupe's lead over each peer (log scale): right of 1, troupe is ahead; left, it trails</text>` + "\n")
	p(`<text x="10" y="38" fill="#555">Medians of %s, interleaved, %s, %d CPUs, %s, load %s. Whisker: round-by-round range. Tick: issue 13's target.</text>`+"\n",
		plural(r.opts.rounds, "round"), r.Start.Format("2006-01-02"), r.CPUs, r.GoVersion, html.EscapeString(r.LoadStart))
	for _, t := range ticks {
		if t < lo || t > hi {
			continue
		}
		x := xOf(t)
		stroke := "#ddd"
		if t == 1 {
			stroke = "#333"
		}
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", x, top-8, x, height-30, stroke)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%g×</text>`+"\n", x, height-14, t)
	}
	x1 := xOf(1)
	for i, b := range bars {
		y := float64(top + i*rowH)
		color := peerColors[b.peer]
		if color == "" {
			color = "#bab0ac"
		}
		p(`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+4, html.EscapeString(b.label))
		xa, xb := min(x1, xOf(b.lead)), max(x1, xOf(b.lead))
		opacity := "1"
		if b.lead < 1 {
			opacity = "0.55"
		}
		p(`<rect x="%.1f" y="%.1f" width="%.1f" height="%d" fill="%s" fill-opacity="%s"/>`+"\n", xa, y-7, max(xb-xa, 1), rowH-8, color, opacity)
		if b.hi > b.lo {
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#222"/>`+"\n", xOf(b.lo), y, xOf(b.hi), y)
		}
		if b.target > 0 {
			xt := xOf(b.target)
			p(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e15759" stroke-width="2"/>`+"\n", xt, y-9, xt, y+9)
		}
		p(`<text x="%d" y="%.1f">%s</text>`+"\n", left+plotW+12, y+4, html.EscapeString(b.detail))
	}
	p("</svg>\n")
	return s.String()
}
