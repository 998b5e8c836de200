package vae

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // graph DSL
)

func TestChecksAcceptReferences(t *testing.T) {
	if err := CheckSampleGaussian(sampleGaussian); err != nil {
		t.Fatal(err)
	}
	if err := CheckKLNormal(klNormal); err != nil {
		t.Fatal(err)
	}
	if err := CheckLogBernoulliWithLogits(logBernoulliWithLogits); err != nil {
		t.Fatal(err)
	}
	if err := CheckNegativeELBO(referenceNegativeELBO); err != nil {
		t.Fatal(err)
	}
}

func TestChecksExplainMistakes(t *testing.T) {
	err := CheckSampleGaussian(func(m, v, eps *Node) *Node { return Add(m, Mul(v, eps)) })
	if err == nil || !strings.Contains(err.Error(), "standard deviation √v") {
		t.Fatalf("variance instead of std: %v", err)
	}
	err = CheckKLNormal(func(qm, qv, pm, pv *Node) *Node { return MulScalar(klNormal(qm, qv, pm, pv), 2) })
	if err == nil || !strings.Contains(err.Error(), "kl[0]") {
		t.Fatalf("missing ½: %v", err)
	}
	// The naive log(sigmoid) form breaks on large logits.
	err = CheckLogBernoulliWithLogits(func(x, l *Node) *Node {
		p := Sigmoid(l)
		one := OnesLike(x)
		return ReduceSum(Add(Mul(x, Log(p)), Mul(Sub(one, x), Log(Sub(one, p)))), -1)
	})
	if err == nil || !strings.Contains(err.Error(), "x·l − max(l,0)") {
		t.Fatalf("naive BCE: %v", err)
	}
	err = CheckLogBernoulliWithLogits(func(x, l *Node) *Node { return Neg(logBernoulliWithLogits(x, l)) })
	if err == nil || !strings.Contains(err.Error(), "is positive") {
		t.Fatalf("sign: %v", err)
	}
	err = CheckNegativeELBO(func(x, m, v, eps *Node, decode func(*Node) *Node) (*Node, *Node, *Node) {
		_, k, r := referenceNegativeELBO(x, m, v, eps, decode)
		return Sub(k, r), k, Neg(r)
	})
	if err == nil || !strings.Contains(err.Error(), "a positive number") {
		t.Fatalf("rec sign: %v", err)
	}
	err = CheckNegativeELBO(func(x, m, v, eps *Node, decode func(*Node) *Node) (*Node, *Node, *Node) {
		z := sampleGaussian(m, v, eps)
		k := ReduceSum(klNormal(m, v, ScalarZero(m.Graph(), m.DType()), ScalarOne(m.Graph(), m.DType())), 0)
		r := Neg(ReduceSum(logBernoulliWithLogits(x, decode(z)), 0))
		return Add(k, r), k, r
	})
	if err == nil || !strings.Contains(err.Error(), "kl") {
		t.Fatalf("sums instead of means: %v", err)
	}
}

func TestCheckNegativeIWAEBound(t *testing.T) {
	if err := CheckNegativeIWAEBound(referenceNegativeIWAE); err != nil {
		t.Fatalf("reference rejected: %v", err)
	}
	// The k-sample ELBO in place of the IWAE bound.
	err := CheckNegativeIWAEBound(func(x, m, v, eps *Node, decode func(z *Node) *Node) (*Node, *Node, *Node) {
		_, kl, rec := referenceNegativeIWAE(x, m, v, eps, decode)
		return Add(kl, rec), kl, rec
	})
	if err == nil || !strings.Contains(err.Error(), "inside the log") {
		t.Fatalf("ELBO for IWAE: %v", err)
	}
	// log(mean(exp(a))) without the shift: fine for the first decoder,
	// +Inf for the confident one.
	err = CheckNegativeIWAEBound(func(x, m, v, eps *Node, decode func(z *Node) *Node) (*Node, *Node, *Node) {
		k, batch, zDim, xDim := eps.Shape().Dim(0), m.Shape().Dim(0), m.Shape().Dim(1), x.Shape().Dim(-1)
		mk := BroadcastToDims(InsertAxes(m, 0), k, batch, zDim)
		vk := BroadcastToDims(InsertAxes(v, 0), k, batch, zDim)
		z := sampleGaussian(mk, vk, eps)
		logits := Reshape(decode(Reshape(z, k*batch, zDim)), k, batch, xDim)
		logPx := logBernoulliWithLogits(BroadcastToDims(InsertAxes(x, 0), k, batch, xDim), logits)
		g := x.Graph()
		klk := Sub(logNormal(z, mk, vk), logNormal(z, ScalarZero(g, m.DType()), ScalarOne(g, m.DType())))
		naive := Log(ReduceMean(Exp(Sub(logPx, klk)), 0))
		return Neg(ReduceAllMean(naive)), ReduceAllMean(klk), Neg(ReduceAllMean(logPx))
	})
	if err == nil || !strings.Contains(err.Error(), "underflowed") {
		t.Fatalf("naive log-mean-exp: %v", err)
	}
}
