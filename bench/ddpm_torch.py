"""DDPM benchmark: the Go lab's class-conditional DDPM (lab/ddpm) next to the same model in PyTorch, on the same CPU.

bench/run_ddpm.sh runs this driver. It starts the Go benchmark program (bench/ddpm, `--serve`) once per Go backend —
the pure-Go backend and, when a plugin is given, xla:cpu — and builds the PyTorch model in this process. After the
warm-up of each, the timed repeats are interleaved (Go, PyTorch, Go xla:cpu, Go, PyTorch, …) so that all see the same
machine load; the median of each side's repeats is reported. Then sampling is timed the same way (DDIM, 50 steps,
100 images, guidance weights 0 and 3, interleaved), and bench/results/ddpm.md is written.

The PyTorch model is lab/ddpm's default network, layer for layer: the noisy image x_t [B,784] concatenated with a
learned label embedding (11 labels × 32; label 10 = no label) → Linear(816, 768) = h; the step t embedded
sinusoidally (128 values: sin then cos of t·ω_k, ω_k = exp(−ln(10000)·k/64)) → Linear(128, 256) → SiLU →
Linear(256, 256) → SiLU = temb; 2 residual blocks, each r = LayerNorm(h) + Linear(256, 768)(temb),
r = SiLU(Linear(768, 768)(SiLU(r))), h = h + Linear(768, 768)(r) (zero-initialised, as in Go); then
SiLU(LayerNorm(h)) → Linear(768, 784) = x̂₀. LayerNorm ε = 1e-3 and Adam ε = 1e-7 (GoMLX's defaults). Loss: mean over
batch and pixels of min(SNR_t, 5)·(x̂₀ − x₀)², x_t = a·x₀ + s·ε, a = √ᾱ_t, s = √(1−ᾱ_t), SNR = a²/s², cosine
schedule T = 1000, t uniform in 1…T, label dropped (→ 10) with probability 0.1, images scaled to [−1, 1]; Adam lr
5e-4, batch 128 from a per-epoch shuffle; after each step the moving average of the weights follows,
ema ← ema + (1 − d)·(w − ema) with d = min(0.999, (1+step)/(10+step)) as in Go. A step is what the Go side's
Model.Fit does per step: batch, t, noise and label dropout, forward, backward, Adam, EMA, loss read back.

Sampling is lab/ddpm's DDIM (η = 0) with the moving-average weights: ε = (x_t − a·x̂₀)/s; with guidance w > 0 the
batch is doubled with the null label 10 and ε̃ = (1+w)·ε_c − w·ε_u; x̂₀ = clip((x_t − s·ε̃)/a, −1, 1);
x_prev = √ᾱ_prev·x̂₀ + √(1−ᾱ_prev)·(x_t − a·x̂₀)/s, over 50 steps evenly spaced from T−1 down to 0.
"""

import argparse
import copy
import json
import math
import os
import select
import signal
import statistics
import subprocess
import sys
import time

import lab3_common as common

T = 1000
HIDDEN, BLOCKS, LABEL_DIM, TIME_DIM = 768, 2, 32, 128
NUM_CLASSES, NULL_LABEL, XDIM = 10, 10, 784
BATCH, LR, EMA_DECAY, P_UNCOND, MIN_SNR = 128, 5e-4, 0.999, 0.1, 5.0
TRAIN_STEPS = 20000  # lab/ddpm's DefaultSteps, for the projection


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--go-bin", help="the built bench/ddpm program (required unless --from-json)")
    p.add_argument("--xla-plugin-dir", help="directory holding pjrt_c_api_cpu_plugin.so: adds the Go xla:cpu column")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--omp-wait-policy", default="PASSIVE",
                   help="OMP_WAIT_POLICY for PyTorch (default PASSIVE, as bench/run_vae.sh: with OpenMP's default "
                        "spinning, two threads on a busy 2-core machine run many times slower); 'default' leaves it unset")
    p.add_argument("--no-torch1", action="store_true", help="leave out the PyTorch 1-thread reference column")
    p.add_argument("--warmup", type=int, default=5, help="untimed training steps of each side first")
    p.add_argument("--steps", type=int, default=30, help="training steps per timed repeat")
    p.add_argument("--repeats", type=int, default=5, help="timed training repeats of each side, interleaved")
    p.add_argument("--sample-images", type=int, default=100, help="images per sampling run")
    p.add_argument("--sample-steps", type=int, default=50, help="DDIM steps")
    p.add_argument("--sample-repeats", type=int, default=3, help="timed sampling runs per side and guidance weight")
    p.add_argument("--guidance", default="0,3", help="comma-separated guidance weights to time")
    p.add_argument("--go-timeout", type=float, default=600,
                   help="seconds to wait for the Go program's answer to one request before giving up (it then prints "
                        "its goroutines to a file next to the binary)")
    p.add_argument("--out", default="bench/results/ddpm.md")
    p.add_argument("--json", help="also write the raw numbers here")
    p.add_argument("--command", default="bench/run_ddpm.sh")
    p.add_argument("--from-json", help="only rewrite --out from the raw numbers of an earlier run (its --json file)")
    a = p.parse_args()
    if not a.from_json and not a.go_bin:
        p.error("--go-bin is required")
    if min(a.warmup, a.steps, a.repeats, a.sample_images, a.sample_repeats) < 1 or a.sample_steps < 2:
        p.error("--warmup, --steps, --repeats, --sample-images, --sample-repeats must be ≥ 1, --sample-steps ≥ 2")
    return a


def cosine_alpha_bar(n):
    """lab/ddpm's Cosine(n): ᾱ as float64, β_t = min(1 − f(t)/f(t−1), 0.999)."""
    f = lambda t: math.cos((t / n + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
    out, prod = [], 1.0
    for t in range(1, n + 1):
        prod *= 1 - min(1 - f(t) / f(t - 1), 0.999)
        out.append(prod)
    return out


def ddim_steps(n_steps):
    """lab/ddpm's DDIM subsequence: evenly spaced from T−1 down to 0 (Go's math.Round: halves away from zero)."""
    return [int(math.floor((T - 1) * (n_steps - 1 - k) / (n_steps - 1) + 0.5)) for k in range(n_steps)]


def torch_side(threads, seed=0):
    """Returns (train(n) -> (seconds, CPU seconds, last loss), sample(w, n_images, n_steps) -> (seconds, CPU seconds,
    mean pixel), info) for the DDPM in PyTorch, run with torch.set_num_threads(threads)."""
    import numpy as np
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(seed)

    half = TIME_DIM // 2
    freqs = torch.tensor([math.exp(-math.log(10000) * k / half) for k in range(half)], dtype=torch.float32)

    def time_embedding(t):
        args = t[:, None] * freqs[None, :]
        return torch.cat([torch.sin(args), torch.cos(args)], -1)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(HIDDEN, eps=1e-3)
            self.time = nn.Linear(2 * TIME_DIM, HIDDEN)
            self.fc1 = nn.Linear(HIDDEN, HIDDEN)
            self.fc2 = nn.Linear(HIDDEN, HIDDEN)
            nn.init.zeros_(self.fc2.weight)  # every block starts as the identity, as lab/ddpm's zeroDense
            nn.init.zeros_(self.fc2.bias)

        def forward(self, h, temb):
            r = self.norm(h) + self.time(temb)
            r = F.silu(self.fc1(F.silu(r)))
            return h + self.fc2(r)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.label = nn.Embedding(NUM_CLASSES + 1, LABEL_DIM)
            self.inp = nn.Linear(XDIM + LABEL_DIM, HIDDEN)
            self.time1 = nn.Linear(TIME_DIM, 2 * TIME_DIM)
            self.time2 = nn.Linear(2 * TIME_DIM, 2 * TIME_DIM)
            self.blocks = nn.ModuleList([Block() for _ in range(BLOCKS)])
            self.out_norm = nn.LayerNorm(HIDDEN, eps=1e-3)
            self.out = nn.Linear(HIDDEN, XDIM)

        def forward(self, x, t, y):
            h = self.inp(torch.cat([x, self.label(y)], -1))
            temb = F.silu(self.time2(F.silu(self.time1(time_embedding(t)))))
            for b in self.blocks:
                h = b(h, temb)
            return self.out(F.silu(self.out_norm(h)))  # x̂₀

    alpha_bar = cosine_alpha_bar(T)
    ab = torch.tensor(alpha_bar, dtype=torch.float64)
    sqrt_ab = ab.sqrt().float()
    sqrt_1mab = (1 - ab).sqrt().float()

    images, labels = common.load_mnist("train")
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0)
    y_all = torch.from_numpy(labels.astype(np.int64))
    n = x_all.shape[0]
    net = Net()
    ema = copy.deepcopy(net).requires_grad_(False)
    params = list(net.parameters())
    ema_params = list(ema.parameters())
    opt = torch.optim.Adam(params, lr=LR, eps=1e-7)
    state = {"step": 0, "perm": None, "epoch": -1}
    per_epoch = (n + BATCH - 1) // BATCH

    def train(k):
        torch.set_num_threads(threads)
        start, cpu0 = time.perf_counter(), time.process_time()
        loss_v = float("nan")
        for _ in range(k):
            epoch, b = divmod(state["step"], per_epoch)
            if epoch != state["epoch"]:
                state["perm"], state["epoch"] = torch.randperm(n), epoch
            idx = state["perm"][b * BATCH:(b + 1) * BATCH]
            x0 = x_all[idx] * 2 - 1
            bs = x0.shape[0]
            ti = torch.randint(0, T, (bs,))
            a, s = sqrt_ab[ti][:, None], sqrt_1mab[ti][:, None]
            y = torch.where(torch.rand(bs) < P_UNCOND, NULL_LABEL, y_all[idx])
            eps = torch.randn_like(x0)
            xt = a * x0 + s * eps
            out = net(xt, (ti + 1).float(), y)
            weight = torch.clamp(a.square() / s.square(), max=MIN_SNR)
            loss = (weight * (out - x0).square()).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            d = min(EMA_DECAY, (1 + state["step"]) / (10 + state["step"]))
            with torch.no_grad():
                torch._foreach_lerp_(ema_params, params, 1 - d)
            loss_v = loss.item()
            state["step"] += 1
        return time.perf_counter() - start, time.process_time() - cpu0, loss_v

    def sample(w, n_images, n_steps):
        torch.set_num_threads(threads)
        start, cpu0 = time.perf_counter(), time.process_time()
        steps = ddim_steps(n_steps)
        g = torch.Generator().manual_seed(1)
        with torch.inference_mode():
            y = torch.arange(n_images) % NUM_CLASSES
            if w > 0:
                yy = torch.cat([y, torch.full_like(y, NULL_LABEL)])
            x = torch.randn(n_images, XDIM, generator=g)
            for k, i in enumerate(steps):
                sa, s1 = math.sqrt(alpha_bar[i]), math.sqrt(1 - alpha_bar[i])
                if w == 0:
                    t = torch.full((n_images,), float(i + 1))
                    eps = (x - sa * ema(x, t, y)) / s1
                else:
                    xx = torch.cat([x, x])
                    t = torch.full((2 * n_images,), float(i + 1))
                    e = (xx - sa * ema(xx, t, yy)) / s1
                    ec, eu = e[:n_images], e[n_images:]
                    eps = (1 + w) * ec - w * eu
                x0 = ((x - s1 * eps) / sa).clamp(-1, 1)
                ab_prev = alpha_bar[steps[k + 1]] if k + 1 < len(steps) else 1.0
                x = math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * ((x - sa * x0) / s1)
            imgs = ((x + 1) / 2).clamp(0, 1)
        return time.perf_counter() - start, time.process_time() - cpu0, float(imgs.mean())

    info = {
        "torch": torch.__version__,
        "num_threads": threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "interop_threads": torch.get_num_interop_threads(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "mkl": os.environ.get("MKL_NUM_THREADS"),
        "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled),
        "capability": torch.backends.cpu.get_cpu_capability(),
        "parameters": sum(p.numel() for p in params),
    }
    return train, sample, info


class GoServer:
    """bench/ddpm --serve: one Go process holding a model; train(n) times n training steps, sample(w) one sampling run."""

    def __init__(self, binary, a, env):
        cmd = [binary, "--serve", "--warmup", str(a.warmup), "--sample-images", str(a.sample_images),
               "--sample-steps", str(a.sample_steps), "--guidance", a.guidance]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench/ddpm did not start: {self.proc.stderr.read().strip()}")
        self.info = json.loads(line)
        self.timeout, self.dump = a.go_timeout, os.path.join(os.path.dirname(binary), f"hang-{self.proc.pid}.txt")
        self.wall_seconds = []  # whole Fit calls, input check included

    def _ask(self, req):
        self.proc.stdin.write(req + "\n")
        self.proc.stdin.flush()
        # One reply line per request, so nothing is left in the pipe's buffer between requests and select() tells
        # whether the reply has come.
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        if not ready:
            self.hung(req)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench/ddpm stopped: {self.proc.stderr.read().strip()}")
        r = json.loads(line)
        if r.get("error"):
            raise SystemExit(f"bench/ddpm: {r['error']}")
        return r

    def train(self, n):
        r = self._ask(f"train {n}")
        self.wall_seconds.append(r["wall_seconds"])
        return r["seconds"], r["cpu_seconds"], r["loss"]

    def sample(self, w, n_images, n_steps):
        r = self._ask(f"sample {w:g}")
        assert r["images"] == n_images and r["steps"] == n_steps, r
        return r["seconds"], r["cpu_seconds"], r["mean"]

    def hung(self, req):
        """Reports a request that got no answer: SIGQUIT makes the Go program print its goroutines and exit."""
        self.proc.send_signal(signal.SIGQUIT)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        with open(self.dump, "w") as f:
            f.write(err)
        hint = ""
        if "workerspool.(*Pool).Saturate" in err:
            hint = (" The goroutines wait in the pure-Go backend's worker pool (workerspool Pool.Saturate called from "
                    "node tasks that fill the pool): the deadlock of gomlx/compute v0.1.6, fixed from v0.1.11 "
                    "(regression test in lab/backend); check go.mod's compute version.")
        raise SystemExit(f"bench/ddpm ({self.info.get('backend', '?')}): no answer to {req!r} after "
                         f"{self.timeout:g} s; goroutine dump in {self.dump}.{hint}")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def fmt_ms(s):
    return f"{1000 * s:.1f} ms"


def fmt_dur(s):
    h, rest = divmod(round(s), 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    return f"{m} min {s:02d} s" if m else f"{s} s"


def main():
    a = parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            write_markdown(a, json.load(f))
        print(f"bench/ddpm: wrote {a.out} from {a.from_json}", file=sys.stderr)
        return
    weights = [float(w) for w in a.guidance.split(",")]
    threads = a.threads
    load0 = os.getloadavg()
    if load0[0] > 0.5:
        print(f"bench/ddpm: warning: load average {load0[0]:.2f} — other work is running, timings will be noisy "
              "(see bench/README.md, Fairness)", file=sys.stderr)
    # Before torch is imported: OpenMP reads these once.
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if a.omp_wait_policy != "default":
        os.environ["OMP_WAIT_POLICY"] = a.omp_wait_policy
    go_env = dict(os.environ, GOMAXPROCS=str(threads))
    go_env.pop("GOMLX_BACKEND", None)
    trains, samples, infos = {}, {}, {}

    print(f"bench/ddpm: starting the Go side (warm-up {a.warmup} steps, sampling graphs)", file=sys.stderr)
    servers = {"go": GoServer(a.go_bin, a, go_env)}
    if a.xla_plugin_dir:
        xenv = dict(go_env, GOMLX_BACKEND="xla:cpu", PJRT_PLUGIN_LIBRARY_PATH=a.xla_plugin_dir)
        servers["xla"] = GoServer(a.go_bin, a, xenv)
    print("bench/ddpm: PyTorch warm-up", file=sys.stderr)
    trains["go"], samples["go"], infos["go"] = servers["go"].train, servers["go"].sample, servers["go"].info
    trains["torch"], samples["torch"], infos["torch"] = torch_side(threads)
    if "xla" in servers:
        trains["xla"], samples["xla"], infos["xla"] = servers["xla"].train, servers["xla"].sample, servers["xla"].info
    if not a.no_torch1 and threads != 1:
        trains["torch1"], _, infos["torch1"] = torch_side(1)
    print(f"bench/ddpm: parameters: Go {infos['go']['parameters']:,}, PyTorch {infos['torch']['parameters']:,}",
          file=sys.stderr)
    for k in infos:
        assert infos[k]["parameters"] == infos["go"]["parameters"], \
            f"parameter counts differ: {k} {infos[k]['parameters']} vs Go {infos['go']['parameters']}"
    t0 = time.perf_counter()
    trains["torch"](a.warmup)
    for w in weights:
        samples["torch"](w, a.sample_images, 2)
    infos["torch"]["warmup_seconds"] = time.perf_counter() - t0
    if "torch1" in trains:
        trains["torch1"](a.warmup)

    times = {k: [] for k in trains}
    cpu = {k: [] for k in trains}
    losses = {k: [] for k in trains}
    for r in range(a.repeats):
        for k, f in trains.items():
            sec, cpusec, loss = f(a.steps)
            times[k].append(sec / a.steps)
            cpu[k].append(cpusec / a.steps)
            losses[k].append(loss)
        print(f"bench/ddpm: training repeat {r + 1}/{a.repeats}: " +
              ", ".join(f"{k} {1000 * times[k][-1]:.1f} ms/step" for k in trains), file=sys.stderr)

    wkey = lambda w: f"{w:g}"  # noqa: E731
    s_times = {k: {wkey(w): [] for w in weights} for k in samples}
    s_cpu = {k: {wkey(w): [] for w in weights} for k in samples}
    s_mean = {k: {wkey(w): [] for w in weights} for k in samples}
    for r in range(a.sample_repeats):
        for w in weights:
            for k, f in samples.items():
                sec, cpusec, mean = f(w, a.sample_images, a.sample_steps)
                s_times[k][wkey(w)].append(sec / a.sample_images)
                s_cpu[k][wkey(w)].append(cpusec / a.sample_images)
                s_mean[k][wkey(w)].append(mean)
            print(f"bench/ddpm: sampling repeat {r + 1}/{a.sample_repeats}, w={w:g}: " +
                  ", ".join(f"{k} {1000 * s_times[k][wkey(w)][-1]:.1f} ms/image" for k in samples), file=sys.stderr)
    for s in servers.values():
        s.close()

    raw = {"command": a.command, "load_before": load0, "load_after": os.getloadavg(),
           "python": sys.version.split()[0], "date": common.now(), "cpu": common.cpu_model(), "nproc": os.cpu_count(),
           "threads": threads, "warmup": a.warmup, "steps": a.steps, "repeats": a.repeats,
           "sample_images": a.sample_images, "sample_steps": a.sample_steps, "sample_repeats": a.sample_repeats,
           "guidance": [wkey(w) for w in weights],
           "seconds_per_step": times, "cpu_seconds_per_step": cpu,
           "median_seconds_per_step": {k: statistics.median(v) for k, v in times.items()}, "final_loss": losses,
           "sample_seconds_per_image": s_times, "sample_cpu_seconds_per_image": s_cpu, "sample_mean_pixel": s_mean,
           "go_fit_wall_seconds": {k: s.wall_seconds for k, s in servers.items()}, "info": infos}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)
    write_markdown(a, raw)
    print(f"bench/ddpm: wrote {a.out}", file=sys.stderr)


def write_markdown(a, raw):
    med, times, info = raw["median_seconds_per_step"], raw["seconds_per_step"], raw["info"]
    has_xla = "xla" in med
    cols = ["Go, pure-Go backend", "PyTorch"] + (["Go, xla:cpu backend"] if has_xla else [])
    keys = ["go", "torch"] + (["xla"] if has_xla else [])
    if "torch1" in med:
        cols.append("PyTorch, 1 thread (reference)")
        keys.append("torch1")
    g, ti = info["go"], info["torch"]
    threads = [f"GOMAXPROCS={g['gomaxprocs']}, GOEXPERIMENT={g['goexperiment'] or '(none)'}",
               f"torch.set_num_threads({ti['num_threads']}), interop {ti['interop_threads']}, "
               f"OMP_NUM_THREADS={ti['omp']}, MKL_NUM_THREADS={ti['mkl']}, OMP_WAIT_POLICY={ti['omp_wait_policy']}"]
    if has_xla:
        threads.append(f"GOMAXPROCS={info['xla']['gomaxprocs']}; XLA's own thread pool (not limited by GOMAXPROCS)")
    if "torch1" in med:
        threads.append("torch.set_num_threads(1), same process")
    gw = [w for w in raw["guidance"]]
    st, sm = raw["sample_seconds_per_image"], raw["sample_mean_pixel"]

    def ratio(k, v, bold):
        if k == "torch":
            return "–"
        r = f"{v[k] / v['torch']:.2f}"
        return f"**{r}**" if bold else r

    L = []
    L.append("# DDPM training step and sampling: Go (lab/ddpm) vs PyTorch\n")
    L.append(f"Produced by `{raw['command']}` on {raw['date']}.\n")
    L.append(f"Machine: {raw['nproc']} CPUs (nproc), {raw['cpu']}. Go: {g['go_version']}, GoMLX {g['gomlx']}; "
             f"PyTorch {ti['torch']} (CPU, {ti.get('capability', '?')} kernels, oneDNN {'on' if ti['mkldnn'] else 'off'}); Python {raw['python']}. "
             f"Load average (1 min) {raw['load_before'][0]:.2f} before, {raw['load_after'][0]:.2f} after (the latter counts "
             f"the benchmark's own busy threads; the sides run interleaved and the medians are reported, so that a "
             f"change of load affects all alike).\n")
    L.append(f"The lab's class-conditional DDPM with its default configuration ({g['config']}): residual MLP, "
             f"x_t ⊕ label embedding → 768, sinusoidal time embedding → MLP 256, 2 residual blocks of 768, LayerNorm, "
             f"SiLU; x̂₀ target with the Min-SNR-5 weighted loss; {g['parameters']:,} parameters on both sides "
             f"(PyTorch {ti['parameters']:,}, the same layers; see `bench/ddpm_torch.py`). A training step = next batch "
             f"of {g['batch_size']} from a per-epoch shuffle of the {g['images']:,} training images, draw t, the noise "
             f"and the label dropout, forward, backward, Adam update, EMA update of all weights, loss read back. "
             f"{plural(raw['warmup'], 'warm-up step')} (graph compilation on the Go side: {g['warmup_seconds']:.1f} s"
             + (f", xla:cpu {info['xla']['warmup_seconds']:.1f} s" if has_xla else "") +
             f"), then {plural(raw['repeats'], 'repeat')} × {plural(raw['steps'], 'step')}, interleaved across the columns; median of the "
             f"repeats.\n")
    L.append("Training:\n")
    L.append("| | " + " | ".join(cols) + " |")
    L.append("|---|" + "---|" * len(cols))
    L.append("| threads | " + " | ".join(threads) + " |")
    L.append("| **median step time** | " + " | ".join(f"**{fmt_ms(med[k])}**" for k in keys) + " |")
    L.append("| every repeat (ms/step) | " + " | ".join(", ".join(f"{1000 * s:.1f}" for s in times[k]) for k in keys) + " |")
    L.append("| ratio to PyTorch (2 threads; below 1: Go is faster) | " + " | ".join(
        ratio(k, med, k in ("go", "xla")) for k in keys) + " |")
    L.append("| CPU time per step (user+sys, all threads; median) | " + " | ".join(
        fmt_ms(statistics.median(raw["cpu_seconds_per_step"][k])) for k in keys) + " |")
    L.append(f"| projected {TRAIN_STEPS:,} steps (`ddpm train`'s default) | " + " | ".join(
        fmt_dur(TRAIN_STEPS * med[k]) for k in keys) + " |")
    L.append("| loss of the last step | " + " | ".join(f"{raw['final_loss'][k][-1]:.3f}" for k in keys) + " |")
    L.append("")
    skeys = [k for k in ("go", "torch", "xla") if k in st]
    scols = {"go": "Go, pure-Go backend", "torch": "PyTorch", "xla": "Go, xla:cpu backend"}
    L.append(f"Sampling: DDIM (η = 0), {raw['sample_steps']} steps, {raw['sample_images']} images (digits 0–9 in "
             f"turn) in one batch, moving-average weights; guidance w > 0 doubles the batch (label and null label "
             f"10). Time per image = time of the whole run / {raw['sample_images']}; {plural(raw['sample_repeats'], 'run')} "
             f"per side and weight, interleaved, median"
             + (f"; sampling graphs compiled beforehand (Go {g['sample_warmup_seconds']:.2f} s"
                + (f", xla:cpu {info['xla']['sample_warmup_seconds']:.2f} s" if has_xla else "") + ")"
                if "sample_warmup_seconds" in g else "") + ".\n")
    L.append("| | " + " | ".join(scols[k] for k in skeys) + " |")
    L.append("|---|" + "---|" * len(skeys))
    for w in gw:
        m = {k: statistics.median(st[k][w]) for k in skeys}
        L.append(f"| **w = {w}: median per image** | " + " | ".join(f"**{fmt_ms(m[k])}**" for k in skeys) + " |")
        L.append(f"| w = {w}: every run (ms/image) | " + " | ".join(
            ", ".join(f"{1000 * s:.1f}" for s in st[k][w]) for k in skeys) + " |")
        L.append(f"| w = {w}: ratio to PyTorch | " + " | ".join(ratio(k, m, True) for k in skeys) + " |")
        L.append(f"| w = {w}: CPU time per image (median) | " + " | ".join(
            fmt_ms(statistics.median(raw["sample_cpu_seconds_per_image"][k][w])) for k in skeys) + " |")
        L.append(f"| w = {w}: 10 000 images (FID-sized set) | " + " | ".join(
            fmt_dur(10000 * m[k]) for k in skeys) + " |")
    L.append("")
    L.append("Notes:\n")
    L.append("- The models are barely trained (warm-up + timed steps), which does not change the cost of a step or "
             "of sampling; the losses are there to show that both sides train, not to compare quality (the random "
             "initialisations, batches and noise differ).")
    overhead = ""
    walls = raw.get("go_fit_wall_seconds", {}).get("go")
    if walls:
        extra = statistics.median(w - raw["steps"] * s for w, s in zip(walls, times["go"]))
        overhead = f" (median {1000 * extra:.0f} ms per call of {raw['steps']} steps here"
        overhead += f", {1000 * extra / raw['steps']:.1f} ms per step" + "; `go_fit_wall_seconds` in the raw numbers)"
    L.append("- The Go step time is `Model.TrainingTime()` over the steps of a `Fit` call: it leaves out `Fit`'s "
             f"one-off check of the 47 million input pixels at the start of each call{overhead}. The Go sampler does its update (clip, DDIM step) on the host in "
             "float64; PyTorch does it in float32 tensors; in both the network dominates.")
    L.append("- Thread settings: both sides get the same number of threads; PyTorch runs with "
             "`OMP_WAIT_POLICY=PASSIVE` as in `bench/results/vae.md` (OpenMP's spinning default makes two threads "
             "collapse on a shared 2-core machine; `--omp-wait-policy default` to see it). XLA's thread pool is not "
             "bounded by GOMAXPROCS, but all processes share the same CPUs, as the CPU times show.")
    L.append("- History: with GoMLX v0.28.8 (gomlx/compute v0.1.6) the pure-Go step took 121 ms, 1.91× PyTorch "
             "(2026-11-22, AVX-512 machine), and its worker pool could deadlock under load (every goroutine in "
             "`workerspool.(*Pool).Saturate`); compute v0.1.12 runs graph nodes on long-lived executors "
             "(`TestManyIndependentMatMulsFinish` in `lab/backend`). The driver still gives up on a request after "
             "`--go-timeout` seconds and saves the Go program's goroutine dump next to its binary.")
    L.append("- The Go and xla:cpu columns run the same program (`bench/ddpm --serve`), the backend selected by "
             "`GOMLX_BACKEND`; xla:cpu uses the PJRT CPU plugin installed by `kernel-setup/xla-cpu.sh`. Raw numbers: "
             "`bench/results/raw/ddpm/ddpm.json` (git-ignored); `--from-json` rewrites this file from them.\n")
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
