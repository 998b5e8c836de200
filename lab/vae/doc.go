// Package vae is the variational autoencoder of homework 2 ("VAE"), written
// with GoMLX: a Gaussian encoder q(z|x), a Bernoulli decoder p(x|z) and the
// prior N(0, I), trained on dynamically binarized MNIST by maximising the
// evidence lower bound, and evaluated with the ELBO and the importance-weighted
// (IWAE) bound.
//
// # Graph building blocks (the homework's functions)
//
// These build GoMLX graph nodes; the homework's Python names are in brackets.
//
//	sampleGaussian(m, v, eps)            [sample_gaussian]  m + √v·ε (reparameterization)
//	klNormal(qm, qv, pm, pv)             [kl_normal]        KL of diagonal Gaussians, summed over the last axis
//	logNormal(x, m, v)                   [log_normal]       log N(x; m, diag v), summed over the last axis
//	logBernoulliWithLogits(x, logits)    [log_bernoulli_with_logits]  −BCEWithLogits summed over pixels
//	logMeanExp(x, axis)                  [log_mean_exp]
//	Encode(scope, x) (m, v)              [enc.encode]  784→300→300→2z, ELU, v = softplus(h) + 1e-8
//	Decode(scope, z) logits              [dec.decode]  z→300→300→784, ELU
//	negativeELBOBound(scope, x)          [negative_elbo_bound]  (nelbo, kl, rec), batch means, 1 sample
//	negativeIWAEBound(scope, x, k)       [negative_iwae_bound]  (niwae, kl, rec) with k samples
//	Binarize(scope, x)                   dynamic binarization, Bernoulli(x) per pixel
//
// The network's sizes are read from the Store's parameters [ParamZ],
// [ParamHidden] and [ParamXDim] (defaults 10, 300, 784); its weights are
// initialised like PyTorch's nn.Linear (uniform in ±1/√fan_in).
//
// # The model
//
// [Model] wraps the network with its Adam optimizer, training history and
// checkpoints (the training loop and the checkpoint files are those of the
// lab's other models):
//
//	m, err := vae.New(vae.Config{Z: 10, Seed: 0, Dir: vae.CheckpointDir("checkpoints", 10, 0)})
//	err = m.Fit(ctx, train.Float32(), vae.FitOptions{Steps: 20000, SaveEvery: 10000,
//		Progress: func(p vae.Progress) { bar.Update(p.Step, p.String()) }})
//	res, err := m.Evaluate(test.Float32(), vae.EvalOptions{Repeats: 100, IWAE: []int{1, 10, 100, 1000}})
//	imgs, err := m.Sample(200)                 // z ~ N(0, I), x ~ Bernoulli(decoder(z))
//	probs, err := m.InverseTransform(m.SampleZ(200))  // decoder probabilities, for display
//
// Training follows the homework: Adam (learning rate 1e-3, PyTorch's betas and
// ε), batches of 100 from a per-epoch shuffle, each batch binarized afresh,
// loss = NELBO. It is deterministic given Config.Seed on a given machine.
//
// # Checkpoints
//
// With Config.Dir set, Fit writes Dir/model-<step>.ckpt every SaveEvery steps
// (the homework's --iter_save), at the last step (--iter_max) and when its
// context is cancelled. A checkpoint holds every
// variable of the model's Store — weights, Adam's moments and step counters,
// the global step and the random-number state — plus the configuration and
// the loss history (NELBO, KL and REC of every step), so resuming loses
// nothing: New on a directory with checkpoints continues from the newest, and
// the resumed run ends with exactly the weights of an uninterrupted one. Files
// are written atomically; a damaged newest file is skipped for the one before,
// with a one-line notice. Open loads a checkpoint file or directory for
// evaluation or sampling, LoadPretrained the shipped model (files of the
// format before the shared one, golab-vae/1, read as well).
//
// # Evaluation
//
// Evaluate binarizes the images once with a fixed seed (0 by default) and
// averages NELBO, KL and REC over Repeats passes (100 in the homework); IWAE
// bounds with k samples are averaged over max(Repeats/k, 1) passes and
// computed in chunks of at most EvalOptions.Rows image-samples, to bound
// memory. The homework's trained model reaches NELBO ≈ 100 (KL ≈ 19,
// REC ≈ 81) on the test set after 20 000 steps. This package, run 0 (seed 0)
// of `go run ./lab/cmd/vae --train 2`, gives NELBO 99.41, KL 19.16, REC 80.26
// and negative IWAE bounds 99.42, 96.61, 95.57, 95.07 for k = 1, 10, 100, 1000
// (training: 7–9 ms per step on the 2-core reference machine's pure-Go
// backend, BenchmarkFitStep, so about 2–3 min for 20 000 steps; evaluation:
// about 1 min for the ELBO, 10–15 min more for the IWAE bounds).
//
// Build with GOEXPERIMENT=simd: the pure-Go backend's AVX-512 matrix
// multiplication is only compiled in with it.
package vae
