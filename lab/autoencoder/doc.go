// Package autoencoder is the AutoEncoder of lab 3's dimensionality-reduction
// comparison, written with GoMLX: an MLP that squeezes each MNIST image
// through a 2-number code and rebuilds it, so that the code is a 2-D map of
// the digits that — unlike t-SNE — can embed new images and decode any point
// of the plane back to an image.
//
// # The network
//
// Encoder 784 → 512 → 128 → 2 with ReLU after each hidden layer and a linear
// code; the decoder mirrors it, 2 → 128 → 512 → 784, with a sigmoid output.
// The loss is the binary cross-entropy between the pixels (scaled to [0, 1])
// and their reconstruction, summed over pixels and averaged over the batch;
// Adam with learning rate 1e-3 and batches of 128. Weights are initialised as
// PyTorch's nn.Linear (uniform in ±1/√fan_in). Config.Hidden and Config.Code
// change the widths and the bottleneck. (The course's pretrained model is a
// small convolutional network with the same 2-D bottleneck; an MLP trains in
// minutes on a CPU.)
//
//	m, err := autoencoder.New(autoencoder.Config{Dir: dir}) // resumes from dir's newest checkpoint
//	err = m.Fit(ctx, train.Float32(), autoencoder.FitOptions{SaveEvery: 500,
//		Progress: func(p autoencoder.Progress) { bar.Update(p.Step, p.String()) }})
//	z, err := m.Encode(test.Float32())        // N rows of 2 numbers: the map of new images
//	imgs, err := m.Decode(z)                   // back to 784 pixels in [0, 1]
//	mse, err := m.ReconstructionError(test.Float32())
//
// Encode and Decode are also available under scikit-learn's names Transform
// and InverseTransform.
//
// # Training time
//
// The default training, DefaultSteps = 4690 steps (10 epochs of the 60 000
// training images), takes about a minute on the 2-core development machine
// (10–12 ms per step with GOEXPERIMENT=simd on the pure-Go backend,
// BenchmarkFitStep with other jobs running) and reaches a training loss of
// about 136 nats per image and a test reconstruction error (mean squared
// error per pixel) of 0.037.
//
// # Checkpoints
//
// With Config.Dir set, Fit writes Dir/model-<step>.ckpt every
// FitOptions.SaveEvery steps, at the last step and when its context is
// cancelled. A checkpoint holds every variable of the model's Store — weights,
// Adam's moments and step counters — plus the configuration, the loss history
// and the training time, in the checkpoint format of the lab's models; files
// are written atomically. New on a directory with checkpoints resumes from the
// newest intact one, and since the batch order depends only on the seed and
// the epoch, a resumed run ends with exactly the weights of an uninterrupted
// one. Open loads a checkpoint file or directory, LoadPretrained the shipped
// model.
//
// Build with GOEXPERIMENT=simd: the pure-Go backend's vectorised matrix
// multiplication is only compiled in with it.
package autoencoder
