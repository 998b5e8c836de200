#!/usr/bin/env bash
# Runs the README's teacher recipe ("A course directory", the sh block under "For teachers") as written, with a
# student in between, and checks what the teacher gets.
#
# The block is read from README.md, not copied here, so the README cannot drift from what works. In a temporary
# $HOME (the block puts the course and the exchange there): every line of the block runs in order, except
# `nbgrader formgrader` (a web app a person uses); at the block's first "# students:" line a student — the same Unix
# account, in a directory of its own — lists, fetches, answers every TODO with the solution notebook's code, and
# submits; at its "# students: fetch the feedback" line the student fetches the feedback. Then the checks: grades.csv
# gives the submission every point (lab3/01: 58 of 58), and the student fetched a feedback page highlighted as Go.
#
# Quick mode (LAB_QUICK=1, about 2 min) unless --full (the notebook in full mode, as a course runs it: about 4 min).
# Needs the set-up with nbgrader (kernel-setup/setup.sh --browser). Ends with "N passed, N failed".
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/kernel-setup/env.sh"
if [ "${1:-}" = --full ]; then unset LAB_QUICK; else export LAB_QUICK=1; fi
[ -x "$ROOT/.venv/bin/nbgrader" ] || { echo "teacher recipe test skipped: nbgrader is not installed (kernel-setup/setup.sh --browser)"; exit 0; }

# The Go caches and MNIST stay the machine's; everything else the block touches lives in the temporary home.
export GOPATH=$(go env GOPATH) GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE)
export MNIST_DIR=${MNIST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/golab/mnist}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/golab-teacher-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home
mkdir -p "$HOME"

# The README's block, the student's turn spliced in at its "# students:" line, the formgrader left out.
block=$(awk '/^\*\*A course directory\*\*/ {f=1} f && /^```sh$/ {b=1; next} b && /^```$/ {exit} b' "$ROOT/README.md")
[ -n "$block" ] || { echo "FAIL the README has no teacher recipe block"; exit 1; }
script=$tmp/recipe.sh
{
  echo 'set -euo pipefail'
  echo 'student() {'
  echo '  local dir=$HOME/student; mkdir -p "$dir"; ( cd "$dir"'
  echo "    printf '%s\n' \"import sys; sys.path.insert(0, '\$CLONE/kernel-setup/hub')\" \\"
  echo "      \"exec(open('\$CLONE/kernel-setup/hub/nbgrader_config.py').read())\" \"c.Exchange.root = '\$EXCHANGE'\" > nbgrader_config.py"
  echo '    nbgrader list --log-level=WARN && nbgrader fetch_assignment lab3-part1 --log-level=WARN'
  echo '    "$CLONE/.venv/bin/python" "$CLONE/kernel-setup/nbgrader_test.py" --answer "$COURSE/source/lab3-part1/01_gmm_pca.ipynb" lab3-part1/01_gmm_pca.ipynb'
  echo '    nbgrader submit lab3-part1 --log-level=WARN )'
  echo '}'
  echo 'student_feedback() { ( cd "$HOME/student" && nbgrader fetch_feedback lab3-part1 --log-level=WARN ); }'
  while IFS= read -r line; do
    case "$line" in
      "nbgrader formgrader"*) echo "# (left out: $line)" ;;
      "# students: fetch the feedback"*) echo "student_feedback  $line" ;;
      "# students:"*) echo "student  $line" ;;
      *) echo "$line" ;;
    esac
  done <<< "$block"
} > "$script"

passed=0 failed=0
check() { if [ "$2" = 0 ]; then echo "ok   $1"; passed=$((passed + 1)); else echo "FAIL $1${3:+: $3}"; failed=$((failed + 1)); fi; }

cd "$ROOT"
mode=$([ -n "${LAB_QUICK:-}" ] && echo quick || echo full)
start=$(date +%s)
if bash "$script" > "$tmp/recipe.log" 2>&1; then rc=0; else rc=$?; fi
check "the README's teacher recipe runs to the end ($(( $(date +%s) - start )) s, $mode mode)" "$rc" \
  "exit $rc; last lines: $(grep -v '^[IWE][0-9]' "$tmp/recipe.log" | tail -5 | tr '\n' ' ')"
csv=$HOME/golab-course/grades.csv
if [ -f "$csv" ]; then
  line=$(grep '^lab3-part1,' "$csv" || true)
  score=$(echo "$line" | awk -F, '{print $(NF-1)}')
  max=$(echo "$line" | awk -F, '{print $NF}')
  # Full mode: every point. Quick mode fits the GMM on 10 000 images, so the 30-point Davies–Bouldin item is partial.
  if [ -n "${LAB_QUICK:-}" ]; then want="every check's points and part of the 30 for the Davies–Bouldin index"; cond='s > m - 30'
  else want="every point"; cond='s == m'; fi
  check "grades.csv: the solved submission gets $want ($score of $max)" \
    "$([ -n "$max" ] && awk -v s="$score" -v m="$max" "BEGIN {exit !(m > 0 && $cond)}" && echo 0 || echo 1)" "$line"
else
  check "nbgrader export wrote grades.csv" 1
fi
fb=$(find "$HOME/student/lab3-part1/feedback" -name '01_gmm_pca.html' 2>/dev/null | head -1 || true)
check "the student fetched the feedback page" "$([ -n "$fb" ] && grep -q 'Score: ' "$fb" && echo 0 || echo 1)"
# Highlighted as Go (Pygments marks "func" as a declaration keyword), not as Python (a name, and a red box per "×"
# in a comment; the Go lexer takes comments whole, its one red box is the "$" of the set-up cell's shell line).
check "the feedback page highlights the code as Go" \
  "$([ -n "$fb" ] && grep -q '<span class="kd">func</span>' "$fb" && ! grep -q '<span class="err">×' "$fb" && echo 0 || echo 1)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
