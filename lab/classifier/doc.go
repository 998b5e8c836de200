// Package classifier is the lab's MNIST digit classifier, written with GoMLX:
// a small convolutional network whose main job is to judge the digits drawn
// by the generative models (GMM, VAE, DDPM) — does a sample asked to be a 7
// look like a 7 to it, and how sure is it?
//
// # The network
//
// Each 28×28 image (784 values in [0, 1], as mnist.Set.Float32 returns) goes
// through two blocks of a 3×3 convolution with same padding, ReLU and 2×2
// max-pool (32 then 64 channels: 28×28 → 14×14 → 7×7), a dense layer of 128
// ReLU units, dropout 0.5 during training, and a dense layer to the 10 digit
// logits — 421 642 parameters. The loss is the cross-entropy; Adam with
// learning rate 1e-3 and batches of 128. Kernels start He-normal, biases at
// zero. Config.Channels, Hidden and Dropout change the network.
//
// The convolutions are written as im2col (nine shifted copies of the image
// times the kernel as a matrix) and the pool as a reshape and a maximum: on
// the pure-Go backend this is about 9× faster than GoMLX's generic
// convolution, and on XLA's CPU backend training is faster too.
//
//	judge, err := classifier.LoadPretrained()          // lab/pretrained/classifier
//	j, err := judge.Judge(samples, askedDigits)        // samples: N×784 in [0, 1]
//	fmt.Println(j.Accuracy, j.MeanConfidence, j.PerDigit)
//
//	m, err := classifier.New(classifier.Config{Dir: dir}) // resumes from dir's newest checkpoint
//	err = m.Fit(ctx, train.Float32(), train.IntLabels(), classifier.FitOptions{Epochs: 5, SaveEvery: 200})
//	acc, err := m.Score(test.Float32(), test.IntLabels())
//	proba, err := m.PredictProba(x) // N rows of 10 probabilities
//	err = m.SaveWeights(checkpoints.Path(out, m.Step()))
//
// # The shipped model
//
// lab/pretrained/classifier holds the weights trained by
//
//	GOMLX_BACKEND=xla:cpu PJRT_PLUGIN_LIBRARY_PATH=.xla go run ./lab/cmd/classifier train --out lab/pretrained/classifier --epochs 5
//
// 5 epochs (2 345 steps) in 3 min 16 s on the 2-core development machine
// with XLA's CPU backend (84 ms per step; the pure-Go backend takes about
// 280 ms per step): 99.06 % accuracy on the 10 000 test images, mean
// confidence 0.987 in the true digit, in a 1.7 MB weights-only file. Its
// README.md records the details. Evaluating the 10 000 test images takes
// about 6 s on the pure-Go backend.
//
// # Checkpoints
//
// With Config.Dir set, Fit writes Dir/model-<step>.ckpt (package
// lab/internal/ckpt's format) every FitOptions.SaveEvery steps, at the last
// step and when its context is cancelled. These full checkpoints hold every
// variable of the model's Store — weights, Adam's moments and step counters,
// the random state of the dropout masks — plus the configuration, the loss
// history and the training time. New on a directory with checkpoints resumes
// from the newest intact one, and since the batch order depends only on the
// seed and the epoch, a resumed run ends with exactly the weights of an
// uninterrupted one.
//
// SaveWeights writes the network's weights alone (a third of the size), for
// inference: Open loads either kind, from a file or from a directory's newest
// checkpoint, but a weights-only model cannot be trained further.
//
// Build with GOEXPERIMENT=simd: the pure-Go backend's vectorised matrix
// multiplication is only compiled in with it.
package classifier
