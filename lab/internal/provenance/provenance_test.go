package provenance

import (
	"slices"
	"testing"
)

func TestWatch(t *testing.T) {
	Mark("before") // outside the watch: not reported
	got := Watch(func() {
		Mark("pca.(*PCA).Fit")
		Mark("gmm.(*GMM).PredictProba")
		Mark("pca.(*PCA).Fit")
	})
	if want := []string{"gmm.(*GMM).PredictProba", "pca.(*PCA).Fit"}; !slices.Equal(got, want) {
		t.Fatalf("Watch = %v, want %v", got, want)
	}
	if got := Watch(func() {}); len(got) != 0 {
		t.Fatalf("nothing called, Watch = %v", got)
	}
	// A panic inside f propagates (the check's recover reports it).
	defer func() {
		if recover() == nil {
			t.Fatal("panic swallowed")
		}
	}()
	Watch(func() { panic("student bug") })
}
