package checkpoints_test

import (
	"fmt"
	"os"

	"github.com/mnistlab/golab/lab/checkpoints"
)

// A notebook keeps its AutoEncoder's checkpoints in a directory of its own
// under the root.
func ExampleDir() {
	os.Setenv(checkpoints.EnvVar, "/tmp/lab-checkpoints")
	defer os.Unsetenv(checkpoints.EnvVar)
	dir, err := checkpoints.Dir("lab3-ae")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dir)
	// Output: /tmp/lab-checkpoints/lab3-ae
}
