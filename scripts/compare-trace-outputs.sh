#!/usr/bin/env bash
# Runs the same traces with two jailctl checkouts and compares what `jailctl trace` writes (the
# profile, --stats and --mounts) byte for byte: for changes that must not change any output.
#   scripts/compare-trace-outputs.sh BEFORE_ROOT AFTER_ROOT
# Each root holds a built dist/ and build/Release. The workloads: ls -lR of a 3000-file tree,
# python3 -c 'import json', a shell loop of forks, a program that creates and removes files in a
# temporary directory, and relative paths after a chdir. Exits 1 on the first difference.
set -euo pipefail
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/jailctl-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mkdir "$tree"
for d in $(seq 0 29); do
  mkdir "$tree/d$d"
  for f in $(seq 0 99); do echo x > "$tree/d$d/f$f"; done
done
mkdir -p "$work/scratch"

# name, working directory, command...
workloads=(
  "ls-tree|$work|ls -lR $tree"
  "ls-relative|$work|ls -lR tree/d3 ./tree/d4/../d5"
  "python-json|$work|/usr/bin/python3 -c 'import json'"
  "sh-forks|$work|sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; cat /etc/hostname >/dev/null; done'"
  "make-remove|$work/scratch|sh -c 'mkdir -p t/a; for i in 1 2 3; do echo \$i > t/a/f\$i; ln -s f\$i t/a/l\$i; done; mv t/a/f1 t/a/g1; rm -r t; touch $work.tmpfile; rm $work.tmpfile; touch new; rm new'"
  "chdir-relative|/|sh -c 'cd $work/tree && cat d1/f1 d2/f2 >/dev/null && cd d7 && ls >/dev/null && cat ../d8/f8 f9 >/dev/null'"
)

run() { # root tag name cwd command
  local root=$1 out=$work/$3.$2 cwd=$4 cmd=$5
  rm -rf "$work/scratch" && mkdir -p "$work/scratch"
  (cd "$cwd" && eval "node '$root/dist/jailctl.cjs' trace -o '$out.P' --stats '$out.S' --mounts '$out.M' -- $cmd" >/dev/null 2>"$out.err") || true
}

status=0
for w in "${workloads[@]}"; do
  IFS='|' read -r name cwd cmd <<<"$w"
  run "$before" before "$name" "$cwd" "$cmd"
  run "$after" after "$name" "$cwd" "$cmd"
  same=same
  for ext in P S M; do
    if ! cmp -s "$work/$name.before.$ext" "$work/$name.after.$ext"; then
      echo "DIFFERENT: $name .$ext"; diff "$work/$name.before.$ext" "$work/$name.after.$ext" | head -20; status=1; same=different
    fi
  done
  echo "$name: $(grep -c '"path"' "$work/$name.before.S") files, $(wc -c <"$work/$name.before.M") bytes of mounts: $same"
done
exit $status
