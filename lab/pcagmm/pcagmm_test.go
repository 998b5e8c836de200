package pcagmm

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mnistlab/golab/lab/gmm"
	"github.com/mnistlab/golab/lab/pca"
)

func TestToImages(t *testing.T) {
	x := mat.NewDense(1, 4, []float64{-51, 0, 127.5, 306})
	clip, err := ToImages(x, Clip)
	if err != nil {
		t.Fatal(err)
	}
	mm, _ := ToImages(x, MinMax)
	wantClip := []float64{0, 0, 0.5, 1}
	wantMM := []float64{0, 51.0 / 357, 178.5 / 357, 1}
	for j := range 4 {
		if math.Abs(float64(clip[0][j])-wantClip[j]) > 1e-6 || math.Abs(float64(mm[0][j])-wantMM[j]) > 1e-6 {
			t.Errorf("pixel %d: clip %v (want %v), min-max %v (want %v)", j, clip[0][j], wantClip[j], mm[0][j], wantMM[j])
		}
	}
	// A constant image does not divide by zero.
	flat, _ := ToImages(mat.NewDense(1, 2, []float64{3, 3}), MinMax)
	if flat[0][0] != 0 || flat[0][1] != 0 {
		t.Errorf("constant image min-max: %v", flat[0])
	}
	if _, err := ToImages(x, Rescale(7)); err == nil {
		t.Error("unknown rescaling: no error")
	}
}

func TestComponentsOfDigits(t *testing.T) {
	// Cluster 2 holds the 0s, cluster 0 the 1s, cluster 1 mostly 2s.
	clusters := []int{2, 2, 2, 0, 0, 1, 1, 1, 0}
	labels := []uint8{0, 0, 0, 1, 1, 2, 2, 2, 2}
	comp, acc, err := ComponentsOfDigits(clusters, labels)
	if err != nil {
		t.Fatal(err)
	}
	if comp[0] != 2 || comp[1] != 0 || comp[2] != 1 || comp[3] != -1 {
		t.Errorf("components %v, want 0→2, 1→0, 2→1, 3→−1", comp)
	}
	if math.Abs(acc-8.0/9) > 1e-12 {
		t.Errorf("accuracy %v, want 8/9", acc)
	}
	if _, _, err := ComponentsOfDigits([]int{1}, []uint8{1, 2}); err == nil {
		t.Error("length mismatch: no error")
	}
	if _, _, err := ComponentsOfDigits([]int{1}, []uint8{12}); err == nil {
		t.Error("label 12: no error")
	}
}

// TestSample fits a 2-D PCA and a 2-component GMM to two well-separated
// blobs in 6-D pixel space and checks that samples of a component land near
// its blob, in [0, 1].
func TestSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	centres := [][]float64{{20, 20, 20, 200, 200, 200}, {200, 200, 200, 20, 20, 20}}
	x := mat.NewDense(400, 6, nil)
	for i := range 400 {
		c := centres[i%2]
		for j := range 6 {
			x.Set(i, j, c[j]+5*rng.NormFloat64())
		}
	}
	p := pca.New(2)
	if err := p.Fit(x); err != nil {
		t.Fatal(err)
	}
	z, _ := p.Transform(x)
	opts := gmm.DefaultOptions()
	opts.Seed = 3
	g := gmm.New(2, opts)
	if err := g.Fit(z); err != nil {
		t.Fatal(err)
	}
	gen, err := New(p, g)
	if err != nil {
		t.Fatal(err)
	}
	pred, _ := g.Predict(z)
	for k := range 2 {
		imgs, err := gen.Sample(k, 50, rng, Clip)
		if err != nil {
			t.Fatal(err)
		}
		// The blob of component k: the centre of the points it was given.
		centre := centres[0]
		if pred[1] == k {
			centre = centres[1]
		}
		for _, img := range imgs {
			for j, v := range img {
				if v < 0 || v > 1 {
					t.Fatalf("pixel %v outside [0,1]", v)
				}
				if math.Abs(float64(v)*255-centre[j]) > 40 {
					t.Fatalf("component %d sample pixel %d = %v, far from its blob's %v", k, j, v*255, centre[j])
				}
			}
		}
	}
	if _, err := gen.Sample(5, 1, rng, Clip); err == nil {
		t.Error("component 5 of 2: no error")
	}
	if _, err := New(pca.New(3), g); err == nil {
		t.Error("unfitted / mismatched PCA: no error")
	}
}

func TestCheckSample(t *testing.T) {
	if err := CheckSample(referenceSample); err != nil {
		t.Fatalf("reference rejected: %v", err)
	}
	noInverse := func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		z, err := g.Sample(k, 1, rng)
		if err != nil {
			return nil, err
		}
		return z.RawRowView(0), nil
	}
	noClip := func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		z, err := g.Sample(k, 1, rng)
		if err != nil {
			return nil, err
		}
		x, _ := p.InverseTransform(z)
		return x.RawRowView(0), nil
	}
	minMax := func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		z, err := g.Sample(k, 1, rng)
		if err != nil {
			return nil, err
		}
		x, _ := p.InverseTransform(z)
		imgs, _ := ToImages(x, MinMax)
		out := make([]float64, len(imgs[0]))
		for j, v := range imgs[0] {
			out[j] = float64(v) * 255
		}
		return out, nil
	}
	wrongComponent := func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		if k > 1 {
			return nil, errors.New("bad component")
		}
		return referenceSample(g, p, 1-k, rng)
	}
	for name, c := range map[string]struct {
		fn   SampleFunc
		want string
	}{
		"no inverse PCA":  {noInverse, "InverseTransform"},
		"no clipping":     {noClip, "clip"},
		"min-max":         {minMax, "min–max"},
		"wrong component": {wrongComponent, "component asked for"},
	} {
		err := CheckSample(c.fn)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, c.want)
		}
	}
}

// A sample_from_gmm that only calls the lab's generator is rejected with that
// reason; SampleWith uses the student's function when given one.
func TestCheckSampleRejectsForwarding(t *testing.T) {
	err := CheckSample(func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		imgs, err := (&Generator{PCA: p, GMM: g}).SampleWith(nil, k, 1, rng)
		if err != nil {
			return nil, err
		}
		return imgs[0], nil
	})
	if err == nil || !strings.Contains(err.Error(), "pcagmm.(*Generator).SampleWith") {
		t.Fatalf("forwarding sample_from_gmm: %v", err)
	}
	g, p, err := checkCase()
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	mine := func(g *gmm.GMM, p *pca.PCA, k int, rng *rand.Rand) ([]float64, error) {
		calls++
		return referenceSample(g, p, k, rng)
	}
	imgs, err := (&Generator{PCA: p, GMM: g}).SampleWith(mine, 0, 4, rand.New(rand.NewPCG(1, 2)))
	if err != nil || len(imgs) != 4 || calls != 4 {
		t.Fatalf("SampleWith(student): %d images, %d calls, %v", len(imgs), calls, err)
	}
}
