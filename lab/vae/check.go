package vae

import (
	"errors"
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
	"github.com/mnistlab/golab/lab/backend"
)

// The Check functions run a student's version of a homework function next to
// the reference on fixed inputs (on the backend of backend.New) and return
// nil if they agree, or an error that names the first difference and its
// likely cause. The notebooks call them from check.Run.

// SampleGaussianFunc is the shape of Task 1: z = m + √v·ε.
type SampleGaussianFunc func(m, v, eps *Node) *Node

// KLNormalFunc is the shape of klNormal.
type KLNormalFunc func(qm, qv, pm, pv *Node) *Node

// LogBernoulliFunc is the shape of logBernoulliWithLogits.
type LogBernoulliFunc func(x, logits *Node) *Node

// NegativeELBOFunc is the shape of Task 2's negative ELBO, given the encoder's
// outputs: x is the binary batch [B, D], m and v the posterior mean and
// variance [B, Z], eps standard normal noise [B, Z] and decode maps z [B, Z]
// to Bernoulli logits [B, D]. It returns the batch means of the negative
// ELBO, the KL term and the reconstruction term (nelbo = kl + rec).
type NegativeELBOFunc func(x, m, v, eps *Node, decode func(z *Node) *Node) (nelbo, kl, rec *Node)

var (
	chkM   = [][]float32{{0.5, -1, 2}, {0, 0.3, -0.7}}
	chkV   = [][]float32{{1, 4, 0.25}, {2, 0.5, 9}}
	chkEps = [][]float32{{0.1, -0.3, 1.2}, {-2, 0.7, 0.05}}
	chkPM  = [][]float32{{0, 1, -1}, {0.5, 0, 0}}
	chkPV  = [][]float32{{1, 2, 0.5}, {1, 3, 4}}
	// Binary pixels and logits, including large ones where a naive
	// log(sigmoid(l)) gives −Inf.
	chkX      = [][]float32{{1, 0, 1, 0, 1}, {0, 0, 1, 1, 0}}
	chkLogits = [][]float32{{2.5, -1, 0.3, 4, -120}, {-0.2, 95, 1.5, -3, 0}}
	// A fixed linear decoder z [B,3] → logits [B,5].
	chkW = [][]float32{{0.5, -1, 0.2, 1.5, -0.3}, {1, 0.4, -0.6, 0, 2}, {-0.8, 0.1, 0.9, -1.2, 0.5}}
	chkB = []float32{0.1, -0.2, 0.3, 0, -0.1}
)

// exec runs f on the lab's backend with the given inputs and returns its
// outputs as float32 slices.
func exec(f func(in []*Node) []*Node, inputs ...any) ([][]float32, error) {
	b, err := backend.New()
	if err != nil {
		return nil, err
	}
	e, err := NewExec(b, f)
	if err != nil {
		return nil, err
	}
	outs, err := e.Call(inputs...)
	if err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		switch v := o.Value().(type) {
		case float32:
			res[i] = []float32{v}
		case []float32:
			res[i] = v
		case [][]float32:
			for _, row := range v {
				res[i] = append(res[i], row...)
			}
		default:
			return nil, fmt.Errorf("unexpected output of shape %s", o.Shape())
		}
	}
	return res, nil
}

func compare(what string, got, want []float32, tol float64, hint string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s has %d values, want %d (check the shape: reduce over the last axis only?)", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("%s[%d] = %v, want %.5g%s", what, i, g, w, hint)
		}
		if math.Abs(g-w) > tol*math.Max(1, math.Abs(w)) {
			return fmt.Errorf("%s[%d] = %.5g, want %.5g%s", what, i, g, w, hint)
		}
	}
	return nil
}

// CheckSampleGaussian checks Task 1, the reparameterization z = m + √v·ε.
func CheckSampleGaussian(fn SampleGaussianFunc) error {
	if fn == nil {
		return errors.New("no function given")
	}
	f := func(sg SampleGaussianFunc) func(in []*Node) []*Node {
		return func(in []*Node) []*Node { return []*Node{sg(in[0], in[1], in[2])} }
	}
	got, err := exec(f(fn), chkM, chkV, chkEps)
	if err != nil {
		return err
	}
	want, err := exec(f(sampleGaussian), chkM, chkV, chkEps)
	if err != nil {
		return err
	}
	if err := compare("z", got[0], want[0], 1e-5, ""); err != nil {
		// The classic slip: scaling ε by the variance instead of the standard deviation.
		wrong, _ := exec(f(func(m, v, eps *Node) *Node { return Add(m, Mul(v, eps)) }), chkM, chkV, chkEps)
		if wrong != nil && compare("z", got[0], wrong[0], 1e-5, "") == nil {
			return fmt.Errorf("%v: ε must be scaled by the standard deviation √v, not by the variance v", err)
		}
		return err
	}
	return nil
}

// CheckKLNormal checks KL(N(qm, qv) ‖ N(pm, pv)) summed over the last axis.
func CheckKLNormal(fn KLNormalFunc) error {
	if fn == nil {
		return errors.New("no function given")
	}
	f := func(k KLNormalFunc) func(in []*Node) []*Node {
		return func(in []*Node) []*Node { return []*Node{k(in[0], in[1], in[2], in[3])} }
	}
	got, err := exec(f(fn), chkM, chkV, chkPM, chkPV)
	if err != nil {
		return err
	}
	want, err := exec(f(klNormal), chkM, chkV, chkPM, chkPV)
	if err != nil {
		return err
	}
	hint := " (KL = ½ Σ (log pv − log qv + qv/pv + (qm − pm)²/pv − 1), one value per row)"
	if err := compare("kl", got[0], want[0], 1e-5, hint); err != nil {
		return err
	}
	// Identical distributions have KL 0.
	zero, err := exec(f(fn), chkM, chkV, chkM, chkV)
	if err != nil {
		return err
	}
	return compare("KL of a Gaussian with itself", zero[0], []float32{0, 0}, 1e-6, "")
}

// CheckLogBernoulliWithLogits checks log p(x) under Bernoulli(sigmoid(logits)),
// summed over the last axis, including logits of ±100 where only the stable
// form stays finite.
func CheckLogBernoulliWithLogits(fn LogBernoulliFunc) error {
	if fn == nil {
		return errors.New("no function given")
	}
	f := func(l LogBernoulliFunc) func(in []*Node) []*Node {
		return func(in []*Node) []*Node { return []*Node{l(in[0], in[1])} }
	}
	got, err := exec(f(fn), chkX, chkLogits)
	if err != nil {
		return err
	}
	want, err := exec(f(logBernoulliWithLogits), chkX, chkLogits)
	if err != nil {
		return err
	}
	if len(got[0]) == len(want[0]) {
		for i := range got[0] {
			if g := float64(got[0][i]); g > 1e-6 {
				return fmt.Errorf("log p[%d] = %.5g is positive: a log-probability of binary data is ≤ 0 (return −BCE, not BCE)", i, g)
			}
		}
	}
	return compare("log p", got[0], want[0], 1e-5,
		" (with logits like −120 and 95, log σ(l) must not be computed as log(sigmoid(l)): use x·l − max(l,0) − log(1+e^−|l|))")
}

// CheckNegativeELBO checks Task 2: the batch means of the negative ELBO, its
// KL term and its reconstruction term, with a fixed linear decoder.
func CheckNegativeELBO(fn NegativeELBOFunc) error {
	if fn == nil {
		return errors.New("no function given")
	}
	x := [][]float32{{1, 0, 1, 1, 0}, {0, 1, 1, 0, 0}}
	f := func(nf NegativeELBOFunc) func(in []*Node) []*Node {
		return func(in []*Node) []*Node {
			decode := func(z *Node) *Node { return Add(MatMul(z, in[4]), ExpandDims(in[5], 0)) }
			n, k, r := nf(in[0], in[1], in[2], in[3], decode)
			return []*Node{n, k, r}
		}
	}
	got, err := exec(f(fn), x, chkM, chkV, chkEps, chkW, chkB)
	if err != nil {
		return err
	}
	want, err := exec(f(referenceNegativeELBO), x, chkM, chkV, chkEps, chkW, chkB)
	if err != nil {
		return err
	}
	for i, name := range []string{"nelbo", "kl", "rec"} {
		if len(got[i]) != 1 {
			return fmt.Errorf("%s has %d values, want a scalar: the mean over the batch", name, len(got[i]))
		}
	}
	if err := compare("kl", got[1], want[1], 1e-5, " (KL to the prior N(0, I), averaged over the batch)"); err != nil {
		return err
	}
	if g, w := got[2][0], want[2][0]; math.Abs(float64(g+w)) < 1e-4*math.Max(1, math.Abs(float64(w))) {
		return fmt.Errorf("rec = %.5g, want %.5g: the reconstruction term is −log p(x|z), a positive number", g, w)
	}
	if err := compare("rec", got[2], want[2], 1e-5, " (rec = −log p(x|z) with z = m + √v·ε, averaged over the batch)"); err != nil {
		return err
	}
	return compare("nelbo", got[0], want[0], 1e-5, " (nelbo = kl + rec)")
}

// NegativeIWAEFunc is the shape of the IWAE task (the homework's
// negative_iwae_bound), given the encoder's outputs: x the binary batch
// [B, D], m and v [B, Z], eps standard normal noise [k, B, Z] (k samples per
// image), decode mapping z [n, Z] to logits [n, D]. It returns the batch means
// of the negative IWAE bound −log (1/k) Σᵢ p(x, zᵢ)/q(zᵢ|x) and of the ELBO's
// KL and reconstruction terms estimated over the k samples.
type NegativeIWAEFunc func(x, m, v, eps *Node, decode func(z *Node) *Node) (niwae, kl, rec *Node)

// chkEpsK is k = 4 samples of noise for the IWAE check, [4, 2, 3].
var chkEpsK = [][][]float32{
	{{0.1, -0.3, 1.2}, {-2, 0.7, 0.05}},
	{{-0.8, 0.4, 0.2}, {0.3, -1.1, 1.6}},
	{{1.5, 0.9, -0.6}, {0.0, 0.2, -0.4}},
	{{-0.2, -1.7, 0.8}, {1.1, 0.5, -0.9}},
}

// CheckNegativeIWAEBound checks the IWAE task with k = 4 samples and a fixed
// linear decoder, then with a decoder 60 times as confident, whose log weights
// are so negative that averaging exp(log w) without a shift underflows.
func CheckNegativeIWAEBound(fn NegativeIWAEFunc) error {
	if fn == nil {
		return errors.New("no function given")
	}
	x := [][]float32{{1, 0, 1, 1, 0}, {0, 1, 1, 0, 0}}
	f := func(nf NegativeIWAEFunc, scale float64) func(in []*Node) []*Node {
		return func(in []*Node) []*Node {
			decode := func(z *Node) *Node { return MulScalar(Add(MatMul(z, in[4]), ExpandDims(in[5], 0)), scale) }
			n, k, r := nf(in[0], in[1], in[2], in[3], decode)
			return []*Node{n, k, r}
		}
	}
	for _, scale := range []float64{1, 60} {
		got, err := exec(f(fn, scale), x, chkM, chkV, chkEpsK, chkW, chkB)
		if err != nil {
			return err
		}
		want, err := exec(f(referenceNegativeIWAE, scale), x, chkM, chkV, chkEpsK, chkW, chkB)
		if err != nil {
			return err
		}
		for i, name := range []string{"niwae", "kl", "rec"} {
			if len(got[i]) != 1 {
				return fmt.Errorf("%s has %d values, want a scalar: the mean over the batch", name, len(got[i]))
			}
		}
		g, w := float64(got[0][0]), float64(want[0][0])
		if scale > 1 && (math.IsInf(g, 0) || math.IsNaN(g)) {
			return fmt.Errorf("niwae = %v with a confident decoder, want %.5g: exp(log w) underflowed to 0; compute log (1/k) Σ exp(aᵢ) as max(a) + log (1/k) Σ exp(aᵢ − max(a))", g, w)
		}
		if scale == 1 {
			// The classic mistake: averaging the log weights (the ELBO over k samples).
			elbo, err := exec(f(func(x, m, v, eps *Node, decode func(z *Node) *Node) (*Node, *Node, *Node) {
				_, kl, rec := referenceNegativeIWAE(x, m, v, eps, decode)
				return Add(kl, rec), kl, rec
			}, 1), x, chkM, chkV, chkEpsK, chkW, chkB)
			if err == nil && math.Abs(g-float64(elbo[0][0])) < 1e-5*math.Max(1, math.Abs(g)) && math.Abs(g-w) > 1e-4 {
				return fmt.Errorf("niwae = %.5g is the k-sample ELBO (kl + rec), want %.5g: average the importance weights inside the log, −log (1/k) Σᵢ wᵢ, not the log weights", g, w)
			}
		}
		if err := compare("kl", got[1], want[1], 1e-5, " (log q(z|x) − log p(z), averaged over the k samples and the batch)"); err != nil {
			return err
		}
		if err := compare("rec", got[2], want[2], 1e-5, " (−log p(x|z), averaged over the k samples and the batch)"); err != nil {
			return err
		}
		if err := compare("niwae", got[0], want[0], 1e-5, " (−log (1/k) Σᵢ p(x, zᵢ)/q(zᵢ|x) with log p(x, z) = log p(x|z) + log p(z), averaged over the batch)"); err != nil {
			return err
		}
	}
	return nil
}
