"""VAE training-step benchmark: the Go lab (lab/vae) next to the homework's PyTorch VAE, on the same CPU.

bench/run_vae.sh runs this driver. It starts the Go benchmark program (bench/vae, `--serve`) once per Go backend —
the pure-Go backend and, when a plugin is given, xla:cpu — and trains the PyTorch model in this process. After the
warm-up steps of each, the timed repeats are interleaved (Go, PyTorch, Go xla:cpu, Go, PyTorch, …) so that all see the
same machine load; the median of each side's repeats is reported. Then it measures the peak memory (max RSS, from
/usr/bin/time -v) of the lab's command `vae --iter_max 2000` and writes bench/results/vae.md.

The PyTorch model is the homework's (HW2): encoder Linear(784,300) ELU Linear(300,300) ELU Linear(300,2z), split into
m and h, v = softplus(h) + 1e-8; decoder Linear(z,300) ELU Linear(300,300) ELU Linear(300,784) → Bernoulli logits;
prior N(0, I); NELBO = KL + REC (batch means, one sample); Adam lr 1e-3; batch 100; each batch binarized afresh
(torch.bernoulli). A step is what the Go side's Model.Fit step does: take the next batch of a per-epoch shuffle,
binarize, forward, backward, Adam update, read the losses.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import lab3_common as common


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--go-bin", required=True, help="the built bench/vae program")
    p.add_argument("--vae-bin", help="the built lab/cmd/vae command (peak memory run); omit to skip")
    p.add_argument("--xla-plugin-dir", help="directory holding pjrt_c_api_cpu_plugin.so: adds the Go xla:cpu column")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--omp-wait-policy", default="PASSIVE",
                   help="OMP_WAIT_POLICY for PyTorch (default PASSIVE: with OpenMP's default spinning, two threads on "
                        "a busy 2-core machine run 10-30x slower); 'default' leaves it unset")
    p.add_argument("--no-torch1", action="store_true", help="leave out the PyTorch 1-thread reference column")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--steps", type=int, default=100, help="steps per timed repeat")
    p.add_argument("--repeats", type=int, default=10, help="timed repeats of each side, interleaved")
    p.add_argument("--mem-iters", type=int, default=2000)
    p.add_argument("--mem-repeats", type=int, default=5, help="evaluation passes of the memory run (--repeats of vae)")
    p.add_argument("--out", default="bench/results/vae.md")
    p.add_argument("--json", help="also write the raw numbers here")
    p.add_argument("--command", default="bench/run_vae.sh")
    p.add_argument("--from-json", help="only rewrite --out from the raw numbers of an earlier run (its --json file)")
    return p.parse_args()


def torch_side(threads, seed=0):
    """Returns (step(n) -> (seconds, CPU seconds, last nelbo), info) for the homework's model in PyTorch, its steps
    run with torch.set_num_threads(threads)."""
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

    z_dim, hidden = 10, 300

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(784, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(),
                                     nn.Linear(hidden, 2 * z_dim))

        def encode(self, x):
            m, h = torch.split(self.net(x), z_dim, dim=-1)
            return m, F.softplus(h) + 1e-8

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(),
                                     nn.Linear(hidden, 784))

        def decode(self, z):
            return self.net(z)

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.dec = Encoder(), Decoder()
            self.register_buffer("z_prior_m", torch.zeros(1), persistent=False)
            self.register_buffer("z_prior_v", torch.ones(1), persistent=False)

        def negative_elbo_bound(self, x):
            m, v = self.enc.encode(x)
            z = m + torch.sqrt(v) * torch.randn_like(m)  # sample_gaussian
            logits = self.dec.decode(z)
            rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)  # −log_bernoulli_with_logits
            pm, pv = self.z_prior_m, self.z_prior_v
            kl = 0.5 * (torch.log(pv) - torch.log(v) + v / pv + (m - pm).pow(2) / pv - 1).sum(-1)  # kl_normal
            nelbo = kl + rec
            return nelbo.mean(), kl.mean(), rec.mean()

    images, _ = common.load_mnist("train")
    x_all = torch.from_numpy(images.astype(np.float32) / 255.0)
    n, bs = x_all.shape[0], 100
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    state = {"step": 0, "perm": None, "epoch": -1}
    per_epoch = (n + bs - 1) // bs

    def step(k):
        torch.set_num_threads(threads)
        start, cpu0 = time.perf_counter(), time.process_time()
        nelbo = float("nan")
        for _ in range(k):
            epoch, b = divmod(state["step"], per_epoch)
            if epoch != state["epoch"]:
                state["perm"], state["epoch"] = torch.randperm(n), epoch
            xb = torch.bernoulli(x_all[state["perm"][b * bs:(b + 1) * bs]])  # dynamic binarization
            opt.zero_grad()
            loss, kl, rec = model.negative_elbo_bound(xb)
            loss.backward()
            opt.step()
            nelbo = loss.item()
            state["step"] += 1
        return time.perf_counter() - start, time.process_time() - cpu0, nelbo

    info = {
        "torch": torch.__version__,
        "num_threads": threads,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "interop_threads": torch.get_num_interop_threads(),
        "omp": os.environ.get("OMP_NUM_THREADS"),
        "mkl": os.environ.get("MKL_NUM_THREADS"),
        "mkldnn": bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled),
        "capability": torch.backends.cpu.get_cpu_capability(),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    return step, info


class GoServer:
    """bench/vae --serve: one Go process holding a model; step(n) times n training steps."""

    def __init__(self, binary, warmup, env):
        self.proc = subprocess.Popen([binary, "--serve", "--warmup", str(warmup)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench/vae did not start: {self.proc.stderr.read().strip()}")
        self.info = json.loads(line)

    def step(self, n):
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench/vae stopped: {self.proc.stderr.read().strip()}")
        r = json.loads(line)
        if r.get("error"):
            raise SystemExit(f"bench/vae: {r['error']}")
        return r["seconds"], r["cpu_seconds"], r["nelbo"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def peak_memory(vae_bin, iters, repeats, env):
    """Runs `vae --iter_max iters` under /usr/bin/time -v; returns (max RSS in bytes, wall seconds, JSON result)."""
    with tempfile.TemporaryDirectory() as ck:
        cmd = ["/usr/bin/time", "-v", vae_bin, "--z", "10", "--iter_max", str(iters), "--iter_save", "0", "--run", "0",
               "--train", "1", "--fresh", "--repeats", str(repeats), "--checkpoints", ck]
        start = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"vae failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    if not m:
        raise SystemExit("no 'Maximum resident set size' in the output of /usr/bin/time -v")
    result = json.loads(r.stdout.strip().splitlines()[-1])
    return int(m.group(1)) * 1024, wall, result, " ".join(["vae"] + cmd[3:-2] + ["--checkpoints", "<tmp>"])


def fmt_ms(s):
    return f"{1000 * s:.1f} ms"


def fmt_dur(s):
    m, s = divmod(round(s), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def main():
    a = parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            write_markdown(a, json.load(f))
        print(f"bench/vae: wrote {a.out} from {a.from_json}", file=sys.stderr)
        return
    threads = a.threads
    load0 = os.getloadavg()
    # Before torch is imported: OpenMP reads these once.
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    if a.omp_wait_policy != "default":
        os.environ["OMP_WAIT_POLICY"] = a.omp_wait_policy
    go_env = dict(os.environ, GOMAXPROCS=str(threads))
    go_env.pop("GOMLX_BACKEND", None)
    sides = {}  # name -> step function
    infos = {}

    print(f"bench/vae: starting the Go side (warm-up {a.warmup} steps)", file=sys.stderr)
    servers = {"go": GoServer(a.go_bin, a.warmup, go_env)}
    infos["go"] = servers["go"].info
    if a.xla_plugin_dir:
        xenv = dict(go_env, GOMLX_BACKEND="xla:cpu", PJRT_PLUGIN_LIBRARY_PATH=a.xla_plugin_dir)
        servers["xla"] = GoServer(a.go_bin, a.warmup, xenv)
        infos["xla"] = servers["xla"].info
    print("bench/vae: PyTorch warm-up", file=sys.stderr)
    sides["go"] = servers["go"].step
    sides["torch"], infos["torch"] = torch_side(threads)
    if "xla" in servers:
        sides["xla"] = servers["xla"].step
    if not a.no_torch1 and threads != 1:
        sides["torch1"], infos["torch1"] = torch_side(1)
    for k in ("torch", "torch1"):
        if k in sides:
            t0 = time.perf_counter()
            sides[k](a.warmup)
            infos[k]["warmup_seconds"] = time.perf_counter() - t0

    times = {k: [] for k in sides}
    cpu = {k: [] for k in sides}
    losses = {k: [] for k in sides}
    for r in range(a.repeats):
        for k, f in sides.items():
            sec, cpusec, nelbo = f(a.steps)
            times[k].append(sec / a.steps)
            cpu[k].append(cpusec / a.steps)
            losses[k].append(nelbo)
        print(f"bench/vae: repeat {r + 1}/{a.repeats}: " +
              ", ".join(f"{k} {1000 * times[k][-1]:.1f} ms/step" for k in sides), file=sys.stderr)
    for s in servers.values():
        s.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    torch_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    mem = None
    if a.vae_bin:
        print(f"bench/vae: peak memory of vae --iter_max {a.mem_iters}", file=sys.stderr)
        mem = peak_memory(a.vae_bin, a.mem_iters, a.mem_repeats, go_env)

    raw = {"command": a.command, "load_before": load0, "load_after": os.getloadavg(),
           "python": sys.version.split()[0], "date": common.now(), "cpu": common.cpu_model(), "nproc": os.cpu_count(), "threads": threads,
           "warmup": a.warmup, "steps": a.steps, "repeats": a.repeats, "mem_iters": a.mem_iters, "seconds_per_step": times, "cpu_seconds_per_step": cpu,
           "median_seconds_per_step": med, "final_nelbo": losses, "info": infos, "torch_max_rss": torch_rss}
    if mem:
        raw["vae_max_rss"], raw["vae_wall_seconds"], raw["vae_result"], raw["vae_command"] = mem
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)
    write_markdown(a, raw)
    print(f"bench/vae: wrote {a.out}", file=sys.stderr)


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
    L = []
    L.append("# VAE training step: Go (lab/vae) vs PyTorch\n")
    L.append(f"Produced by `{raw['command']}` on {raw['date']}.\n")
    L.append(f"Machine: {raw['nproc']} CPUs (nproc), {raw['cpu']}. Go: {g['go_version']}, GoMLX {g['gomlx']}; "
             f"PyTorch {ti['torch']} (CPU, {ti.get('capability', '?')} kernels, oneDNN {'on' if ti['mkldnn'] else 'off'}); Python {raw['python']}. "
             f"Load average (1 min) {raw['load_before'][0]:.1f} before, {raw['load_after'][0]:.1f} after: the 2 cores were "
             f"shared with other work, hence the interleaving and medians.\n")
    L.append(f"The homework's VAE (HW2): 784-300-300-2·10 ELU encoder, softplus variance, 10-300-300-784 ELU decoder, "
             f"Bernoulli logits, batch 100, dynamic binarization, Adam 1e-3; {g['parameters']:,} parameters on both sides "
             f"(PyTorch {ti['parameters']:,}). A step = next batch of a per-epoch shuffle of the 60 000 training images, "
             f"binarize, forward, backward, Adam update, losses read back. {raw['warmup']} warm-up steps "
             f"(graph compilation on the Go side: {g['warmup_seconds']:.1f} s"
             + (f", xla:cpu {info['xla']['warmup_seconds']:.1f} s" if has_xla else "") +
             f"), then {raw['repeats']} repeats × {raw['steps']} steps, interleaved across the columns; median of the repeats.\n")
    L.append("| | " + " | ".join(cols) + " |")
    L.append("|---|" + "---|" * len(cols))
    L.append("| threads | " + " | ".join(threads) + " |")
    L.append("| **median step time** | " + " | ".join(f"**{fmt_ms(med[k])}**" for k in keys) + " |")
    L.append("| every repeat (ms/step) | " + " | ".join(", ".join(f"{1000 * s:.1f}" for s in times[k]) for k in keys) + " |")
    L.append("| ratio to PyTorch (2 threads; goal for the pure-Go backend ≤ 0.8) | " + " | ".join(
        "–" if k == "torch" else (f"**{med[k] / med['torch']:.2f}**" if k in ("go", "xla") else f"{med[k] / med['torch']:.2f}")
        for k in keys) + " |")
    L.append("| CPU time per step (user+sys, all threads; median) | " + " | ".join(
        fmt_ms(statistics.median(raw["cpu_seconds_per_step"][k])) for k in keys) + " |")
    L.append("| projected 20 000 steps | " + " | ".join(fmt_dur(20000 * med[k]) for k in keys) + " |")
    L.append("| NELBO of the last step | " + " | ".join(f"{raw['final_nelbo'][k][-1]:.1f}" for k in keys) + " |")
    L.append("")
    if "vae_max_rss" in raw:
        rss, res = raw["vae_max_rss"], raw["vae_result"]
        L.append("Peak memory (goal ≤ 1 GB):\n")
        L.append("| run | max RSS | wall | notes |")
        L.append("|---|---|---|---|")
        L.append(f"| `{raw['vae_command']}` (built binary, GOMAXPROCS={raw['threads']}, pure-Go backend) | "
                 f"**{rss / 1e9:.2f} GB** ({rss / 2**20:.0f} MiB) | {fmt_dur(raw['vae_wall_seconds'])} | "
                 f"training {res.get('ms_per_step', 0):.1f} ms/step, then evaluation of the 10 000 test images "
                 f"({res['repeats']} passes): NELBO {res['nelbo']:.2f} |")
        L.append(f"| this driver (both PyTorch models, {raw['warmup'] + raw['repeats'] * raw['steps']} steps each; "
                 f"MNIST as float32) | {raw['torch_max_rss'] / 1e9:.2f} GB | – | for reference |")
        L.append("")
    L.append("Notes:\n")
    L.append("- Thread settings matter for PyTorch on this shared machine: with OpenMP's default (active, spinning) "
             "wait policy, two PyTorch threads ran 10–30× slower (150–540 ms/step measured while other jobs used the "
             "cores), so the PyTorch columns use `OMP_WAIT_POLICY=PASSIVE` (`--omp-wait-policy default` to see it). "
             "One PyTorch thread is as fast as two, or faster, here: the matrices are small and the cores are shared.")
    L.append("- All processes are confined to the same 2 CPUs (affinity mask); XLA's thread pool may use both even "
             "though GOMAXPROCS only bounds Go's own threads, as the CPU time above shows.")
    L.append("- History: with GoMLX v0.28.8 (gomlx/compute v0.1.6) the pure-Go step was 1.73–2.65× PyTorch on the "
             "same AVX-512 machine (2026-11-22), and the 20 000-step `go run ./lab/cmd/vae` took 12 min 20 s with the "
             "cores shared.")
    L.append("- The Go and xla:cpu columns run the same program (`bench/vae --serve`), the backend selected by "
             "`GOMLX_BACKEND`; xla:cpu uses the PJRT CPU plugin installed by `kernel-setup/xla-cpu.sh`. The two Go "
             "backends draw random numbers with different generators (PCG vs Philox), so their losses agree only "
             "statistically. Raw numbers: `bench/results/raw/vae/vae.json` (git-ignored).\n")
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()
