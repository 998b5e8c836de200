#!/usr/bin/env bash
# Writes a student copy of the lab to DIR: the repository as committed (HEAD), except that notebooks/ holds the
# student versions (notebooks/assignments/…, moved up to the solutions' paths) and no solution notebook. It sets up
# and runs with the same two commands (./kernel-setup/lab.sh, ./kernel-setup/test.sh); the file
# notebooks/STUDENT_COPY marks it, so the tests judge every assignment as a student notebook (it must run to the end,
# its checks say "not implemented yet") and skip what needs the solutions (the generator's check, the nbgrader round
# trip).
#
# What stays readable: the lab's Go packages, which the notebooks import, including the unexported reference
# implementations the checks compare with (see kernel-setup/hub/README.md, "What students can read by design").
#
# Usage: kernel-setup/student-copy.sh DIR   (DIR must not exist, or be empty)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ $# = 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$1
if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
  echo "student-copy: $DIR exists and is not empty" >&2
  exit 1
fi
if [ -n "$(git -C "$ROOT" status --porcelain -- notebooks)" ]; then
  echo "student-copy: notebooks/ has uncommitted changes; the copy is made from HEAD (commit first)" >&2
  exit 1
fi
mkdir -p "$DIR"
git -C "$ROOT" archive HEAD | tar -x -C "$DIR"
cd "$DIR/notebooks"
# The student versions take the solutions' places.
while IFS= read -r -d '' nb; do
  rel=${nb#./assignments/}
  mv "$nb" "./$rel"
done < <(find ./assignments -name '*.ipynb' -print0)
rm -rf ./assignments
# No solution notebook may remain: each one has a student version, so every solution was replaced above.
if grep -rl --include='*.ipynb' -e 'BEGIN SOLUTION' . >/dev/null; then
  echo "student-copy: a notebook with a solution region is left: $(grep -rl --include='*.ipynb' -e 'BEGIN SOLUTION' . | head -1)" >&2
  exit 1
fi
cat > STUDENT_COPY <<'EOF'
This is a student copy of the lab (made by kernel-setup/student-copy.sh): the notebooks here are the assignments.
Open them with ./kernel-setup/lab.sh; fill in each TODO; the check cells tell you when a step is right.
EOF
git -C "$DIR" init -q 2>/dev/null && git -C "$DIR" add -A && \
  git -C "$DIR" -c user.name=golab -c user.email=golab@localhost commit -qm "student copy of the lab" || true
echo "student-copy: wrote $DIR ($(find . -name '*.ipynb' | wc -l) notebooks: $(find . -name '*.ipynb' | sort | tr '\n' ' '))"
