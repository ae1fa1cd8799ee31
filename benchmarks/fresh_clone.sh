#!/usr/bin/env bash
# Time `make test` on a fresh clone of the committed course, installs included (target: 15 min).
# Run with `make bench-fresh`; it clones into a temporary folder and removes it afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/course"
start=$(date +%s)
(cd "$work/course" && make test >"$work/log" 2>&1) || { tail -40 "$work/log"; exit 1; }
seconds=$(( $(date +%s) - start ))
tail -3 "$work/log"
echo "fresh clone: make test took ${seconds} s, installs included ($(( seconds * 100 / 900 ))% of the 15 min target)"
