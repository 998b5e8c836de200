//go:build goexperiment.simd && amd64

package tsne

import (
	"simd/archsimd"

	"github.com/mnistlab/golab/lab/internal/vecmath"
)

// The vector kernels in use: AVX-512 when available, else AVX2 with FMA
// (vecmath.Best, chosen at run time).
var (
	useAVX512     = vecmath.Best == vecmath.AVX512
	useSIMDKernel = vecmath.Best.Vector()
)

// distKernel is distKernelAVX512 or distKernelAVX2 when the CPU supports
// them, distKernelGeneric otherwise; all give bit-identical results.
func distKernel(q0, q1, q2, q3, blk []float64, out *[32]float64) {
	switch {
	case useAVX512:
		distKernelAVX512(q0, q1, q2, q3, blk, out)
	case useSIMDKernel:
		distKernelAVX2(q0, q1, q2, q3, blk, out)
	default:
		distKernelGeneric(q0, q1, q2, q3, blk, out)
	}
}

// distKernelAVX512 is distKernelGeneric with 8-wide vectors: one panel row
// of 8 candidates against 4 broadcast query coordinates per step.
func distKernelAVX512(q0, q1, q2, q3, blk []float64, out *[32]float64) {
	dim := len(q0)
	q1, q2, q3 = q1[:dim], q2[:dim], q3[:dim]
	blk = blk[:dim*panelWidth]
	var a0, a1, a2, a3 archsimd.Float64x8
	for a := 0; a < dim; a++ {
		c := archsimd.LoadFloat64x8(blk[a*panelWidth : a*panelWidth+panelWidth])
		d0 := c.Sub(archsimd.BroadcastFloat64x8(q0[a]))
		d1 := c.Sub(archsimd.BroadcastFloat64x8(q1[a]))
		d2 := c.Sub(archsimd.BroadcastFloat64x8(q2[a]))
		d3 := c.Sub(archsimd.BroadcastFloat64x8(q3[a]))
		a0 = d0.MulAdd(d0, a0)
		a1 = d1.MulAdd(d1, a1)
		a2 = d2.MulAdd(d2, a2)
		a3 = d3.MulAdd(d3, a3)
	}
	a0.Store(out[0:8])
	a1.Store(out[8:16])
	a2.Store(out[16:24])
	a3.Store(out[24:32])
}

// distKernelAVX2 is distKernelGeneric with 4-wide vectors, two queries at a
// time (few enough accumulators to stay in the 16 vector registers).
func distKernelAVX2(q0, q1, q2, q3, blk []float64, out *[32]float64) {
	distPairAVX2(q0, q1, blk, out[0:16])
	distPairAVX2(q2, q3, blk, out[16:32])
}

func distPairAVX2(q0, q1, blk, out []float64) {
	dim := len(q0)
	q1 = q1[:dim]
	blk = blk[:dim*panelWidth]
	out = out[:16]
	var a00, a01, a10, a11 archsimd.Float64x4
	for a := 0; a < dim; a++ {
		c := blk[a*panelWidth : a*panelWidth+panelWidth]
		c0 := archsimd.LoadFloat64x4(c[0:4])
		c1 := archsimd.LoadFloat64x4(c[4:8])
		b := archsimd.BroadcastFloat64x4(q0[a])
		d0, d1 := c0.Sub(b), c1.Sub(b)
		a00, a01 = d0.MulAdd(d0, a00), d1.MulAdd(d1, a01)
		b = archsimd.BroadcastFloat64x4(q1[a])
		d0, d1 = c0.Sub(b), c1.Sub(b)
		a10, a11 = d0.MulAdd(d0, a10), d1.MulAdd(d1, a11)
	}
	a00.Store(out[0:4])
	a01.Store(out[4:8])
	a10.Store(out[8:12])
	a11.Store(out[12:16])
}

// simdKernels lists the vector kernels this CPU can run (for tests).
func simdKernels() map[string]func(q0, q1, q2, q3, blk []float64, out *[32]float64) {
	m := map[string]func(q0, q1, q2, q3, blk []float64, out *[32]float64){}
	if vecmath.Best >= vecmath.AVX2 {
		m["avx2"] = distKernelAVX2
	}
	if useAVX512 {
		m["avx512"] = distKernelAVX512
	}
	return m
}
