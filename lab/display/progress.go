package display

import (
	"fmt"
	"html"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Progress is a progress bar for a long loop. In a notebook it is one HTML bar
// updated in place (at most every 200 ms); outside a notebook it prints a line
// to standard error at most every 5 seconds. It is safe for concurrent use.
type Progress struct {
	mu      sync.Mutex
	label   string
	total   int
	id      string
	start   time.Time
	last    time.Time
	done    int
	status  string
	stopped bool
}

// NewProgress starts a progress display for total steps.
func NewProgress(label string, total int) *Progress {
	p := &Progress{label: label, total: total, start: time.Now()}
	if InNotebook() {
		p.id = "progress-" + gonbui.UniqueID()
		gonbui.UpdateHTML(p.id, p.html())
	}
	return p
}

// Update reports that done steps are complete, with an optional status text
// (e.g. "loss=101.3").
func (p *Progress) Update(done int, status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.status = done, status
	now := time.Now()
	every := 200 * time.Millisecond
	if !InNotebook() {
		every = 5 * time.Second
	}
	if now.Sub(p.last) < every && done < p.total {
		return
	}
	p.last = now
	p.render()
}

// Done marks the loop finished and shows the elapsed time.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	if p.done < p.total {
		p.done = p.total
	}
	p.render()
	if InNotebook() {
		flush() // the final state must not be lost if the cell ends here
	}
}

// Elapsed is the time since the progress display started.
func (p *Progress) Elapsed() time.Duration { return time.Since(p.start) }

func (p *Progress) render() {
	if InNotebook() {
		gonbui.UpdateHTML(p.id, p.html())
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %s\n", p.label, p.text())
}

func (p *Progress) fraction() float64 {
	if p.total <= 0 {
		return 1
	}
	return min(1, float64(p.done)/float64(p.total))
}

func (p *Progress) text() string {
	el := time.Since(p.start).Round(time.Second)
	var eta string
	if f := p.fraction(); f > 0 && f < 1 {
		rem := time.Duration(float64(time.Since(p.start)) * (1 - f) / f).Round(time.Second)
		eta = fmt.Sprintf(", %v left", rem)
	}
	s := fmt.Sprintf("%d/%d (%.0f%%) %v elapsed%s", p.done, p.total, 100*p.fraction(), el, eta)
	if p.status != "" {
		s += " — " + p.status
	}
	return s
}

func (p *Progress) html() string {
	pct := 100 * p.fraction()
	var b strings.Builder
	fmt.Fprintf(&b, `<div style="font-family:sans-serif;font-size:13px"><b>%s</b> `, html.EscapeString(p.label))
	fmt.Fprintf(&b, `<div style="display:inline-block;width:260px;height:12px;background:#e6e6e6;vertical-align:middle;border-radius:3px">`+
		`<div style="width:%.1f%%;height:12px;background:#1f77b4;border-radius:3px"></div></div> `, pct)
	fmt.Fprintf(&b, `<span>%s</span></div>`, html.EscapeString(p.text()))
	return b.String()
}
