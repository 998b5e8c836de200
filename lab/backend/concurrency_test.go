package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
)

// independentMatMuls is the number of matrix products in the graph of
// TestManyIndependentMatMulsFinish: more than the 2·GOMAXPROCS worker slots of
// the pure-Go backend's pool at GOMAXPROCS=2.
const independentMatMuls = 8

// TestManyIndependentMatMulsFinish is the regression test for the pure-Go
// backend's worker-pool deadlock (gomlx/compute v0.1.6: each graph node held
// a pool slot while its matrix multiplication waited for another, so 8
// independent 256×256 products hung at GOMAXPROCS=2 on the first call). The
// graph runs in a child process with GOMAXPROCS=2 under a deadline, so a hang
// is a failure with a message, not a stuck test binary.
func TestManyIndependentMatMulsFinish(t *testing.T) {
	if os.Getenv("LAB_MATMUL_CHILD") == "1" {
		if err := runIndependentMatMuls(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	const deadline = 2 * time.Minute // the graph takes well under a second when it runs
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for _, procs := range []string{"1", "2", "3"} {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestManyIndependentMatMulsFinish$", "-test.count=1")
		cmd.Env = append(os.Environ(), "LAB_MATMUL_CHILD=1", "GOMAXPROCS="+procs, EnvVar+"=go")
		out, err := cmd.CombinedOutput()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("GOMAXPROCS=%s: %d independent matmuls on the pure-Go backend did not finish within %v (worker-pool deadlock)", procs, independentMatMuls, deadline)
		}
		if err != nil {
			t.Fatalf("GOMAXPROCS=%s: %v\n%s", procs, err, out)
		}
	}
}

// runIndependentMatMuls builds one graph with independentMatMuls products
// (I + i·1)·I of 256×256 matrices, none depending on another, runs it twice
// and checks every result.
func runIndependentMatMuls() error {
	b, err := compute.NewWithConfig("go") // a fresh backend: its pool is sized by this process's GOMAXPROCS
	if err != nil {
		return err
	}
	defer b.Finalize()
	const n = 256
	e, err := graph.NewExec(b, func(id *graph.Node) []*graph.Node {
		outs := make([]*graph.Node, independentMatMuls)
		for i := range outs {
			outs[i] = graph.MatMul(graph.AddScalar(id, float64(i)), id)
		}
		return outs
	})
	if err != nil {
		return err
	}
	identity := make([][]float32, n)
	for i := range identity {
		identity[i] = make([]float32, n)
		identity[i][i] = 1
	}
	for range 2 {
		outs, err := e.Call(identity)
		if err != nil {
			return err
		}
		if len(outs) != independentMatMuls {
			return fmt.Errorf("%d outputs, want %d", len(outs), independentMatMuls)
		}
		for i, o := range outs {
			v := o.Value().([][]float32)
			if v[0][0] != float32(i+1) || v[0][1] != float32(i) || v[n-1][n-1] != float32(i+1) {
				return fmt.Errorf("product %d: got [0][0]=%v [0][1]=%v, want %d and %d", i, v[0][0], v[0][1], i+1, i)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "GOMAXPROCS=%d: %d independent matmuls finished\n", runtime.GOMAXPROCS(0), independentMatMuls)
	return nil
}
