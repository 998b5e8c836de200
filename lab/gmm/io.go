package gmm

import (
	"github.com/mnistlab/golab/lab/internal/binfile"
)

// File format: the 8-byte magic "GOLABGMM", a big-endian uint16 version, a gob
// payload, and a big-endian CRC-32 (IEEE) of everything before it.
var fileFormat = binfile.Format{Magic: "GOLABGMM", Version: 1, Pkg: "gmm", Kind: "GMM"}

// snapshot is the gob payload of format version 1. NInit and Init were
// added later: files written before lack them (gob leaves them zero) and
// were fitted with one k-means initialisation. Their Tol was literal already
// (0 meant exactly MaxIter iterations), and MaxIter and RegCovar were stored
// as the values used.
type snapshot struct {
	K, D        int
	MaxIter     int
	Tol         float64
	RegCovar    float64 // the value used
	Seed        uint64
	KMeansNInit int
	NInit       int
	Init        Init
	Fitted      bool
	Weights     []float64
	Means       []float64   // K×D
	Covs        [][]float64 // K of D×D
	History     []float64
	NIter       int
	Converged   bool
}

// GobEncode implements gob.GobEncoder (so a *GMM can go through
// persist.Cached); it is the same encoding as the file Save writes. Function
// options (EStep, MStep, Progress), Rand and the initial means are not
// stored.
func (g *GMM) GobEncode() ([]byte, error) {
	s := snapshot{K: g.k, D: g.d, MaxIter: g.opts.MaxIter, Tol: g.opts.Tol, RegCovar: g.opts.RegCovar,
		Seed: g.opts.Seed, KMeansNInit: g.opts.KMeansNInit, NInit: g.opts.NInit, Init: g.opts.Init,
		Fitted: g.fitted, Weights: g.weights,
		Means: g.means, Covs: g.covs, History: g.history, NIter: g.nIter, Converged: g.converged}
	return fileFormat.Encode(&s)
}

// GobDecode implements gob.GobDecoder. Data that is not a GMM, a newer
// format version or a corrupt encoding gives a clear error and leaves g
// unchanged.
func (g *GMM) GobDecode(data []byte) error {
	var s snapshot
	if err := fileFormat.Decode(data, &s); err != nil {
		return err
	}
	if s.Fitted {
		ok := s.K >= 1 && s.D >= 1 && len(s.Weights) == s.K && len(s.Means) == s.K*s.D && len(s.Covs) == s.K
		for _, c := range s.Covs {
			ok = ok && len(c) == s.D*s.D
		}
		if !ok {
			return fileFormat.Corrupt("inconsistent shapes")
		}
	}
	*g = GMM{k: s.K, d: s.D, fitted: s.Fitted, weights: s.Weights, means: s.Means,
		covs: s.Covs, history: s.History, nIter: s.NIter, converged: s.Converged,
		opts: Options{MaxIter: s.MaxIter, Tol: s.Tol, RegCovar: s.RegCovar, Seed: s.Seed,
			KMeansNInit: max(s.KMeansNInit, 1), NInit: max(s.NInit, 1), Init: s.Init}}
	return nil
}

// Save writes the fitted model to path atomically (a reader sees the old
// file or the complete new one).
func (g *GMM) Save(path string) error {
	if !g.fitted {
		return errNotFitted
	}
	data, err := g.GobEncode()
	if err != nil {
		return err
	}
	return binfile.WriteFile(path, data)
}

// Load reads a model written by Save.
func Load(path string) (*GMM, error) {
	g := new(GMM)
	if err := fileFormat.ReadFile(path, g.GobDecode); err != nil {
		return nil, err
	}
	return g, nil
}
