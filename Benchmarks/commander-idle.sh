#!/usr/bin/env bash
# CPU time an idle commander uses: runs `ferry demo` in tmux, waits, and reads the process's
# user+system time over an idle period, beside `sleep` as the floor. Figures, never pass/fail.
#   Benchmarks/commander-idle.sh [SECONDS]   (default 10)
set -euo pipefail
seconds=${1:-10}
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${FERRY_BIN:-} ]]; then
  (cd "$top" && flock /tmp/ferry-build.lock swift build -c release --scratch-path .build-release --product ferry >&2)
fi
ferry=${FERRY_BIN:-$top/.build-release/release/ferry}
session=ferry-idle-$$
work=$(mktemp -d)
trap 'tmux kill-session -t "$session" 2>/dev/null; rm -rf "$work"' EXIT
tmux new-session -d -s "$session" -x 100 -y 30 "cd $work && env LANG=C.UTF-8 TERM=tmux-256color $ferry demo"
for _ in $(seq 100); do tmux capture-pane -t "$session" -p | grep -q README && break; sleep 0.1; done
pid=$(pgrep -n -f "$ferry demo")
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks "$pid")
sleep "$seconds"
after=$(ticks "$pid")
awk -v t=$((after - before)) -v hz="$hz" -v s="$seconds" \
  'BEGIN { printf "idle commander: %.3f s of CPU in %d s (%.2f%%); an idle process uses 0\n", t / hz, s, 100 * t / hz / s }'
