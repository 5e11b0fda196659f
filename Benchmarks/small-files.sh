#!/usr/bin/env bash
# Many small files: `ferry mirror -P 4` beside `lftp mirror -P 4`, same server, same run.
# Prints figures, never pass/fail.
#   Benchmarks/small-files.sh [COUNT]         plain FTP from the interop vsftpd (default 1000 files of 4 KiB)
#   Benchmarks/small-files.sh --tls [COUNT]   FTPS (explicit, session reuse required) from the interop vsftpd
# Needs `scripts/interop-servers start` first (vsftpd on loopback) and lftp.
set -euo pipefail
tls=false
if [[ ${1:-} == --tls ]]; then tls=true; shift; fi
count=${1:-1000}
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${FERRY_BIN:-} ]]; then (cd "$top" && swift build -c release --product ferry >&2); fi
ferry=${FERRY_BIN:-$top/.build/release/ferry}
command -v lftp >/dev/null || { echo "needs lftp (apt-get install lftp)" >&2; exit 2; }
env_file=${FERRY_INTEROP_DIR:-/tmp/ferry-interop}/env
[[ -f $env_file ]] || { echo "run scripts/interop-servers start first" >&2; exit 2; }
source "$env_file"

if $tls; then
  root=$FERRY_TEST_VSFTPD_TLS_ROOT; url=$FERRY_TEST_VSFTPD_TLS_URL
  ferry_options=(--ca-file "$FERRY_TEST_CA_FILE")
  lftp_settings="set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file $FERRY_TEST_CA_FILE;"
else
  root=$FERRY_TEST_VSFTPD_ROOT; url=$FERRY_TEST_VSFTPD_URL
  ferry_options=()
  lftp_settings=""
fi
folder="bench-small-$$"
work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
trap 'rm -rf "$work" "${root:?}/$folder"' EXIT
mkdir -p "$root/$folder"
for i in $(seq 1 "$count"); do head -c 4096 /dev/urandom > "$root/$folder/f$i.bin"; done
chmod -R a+rX "$root/$folder"

# lftp takes user and password from the URL; its URL for explicit TLS is ftp:// with ssl-force.
lftp_url=${url/#ftpes:/ftp:}
measure() { # name, command...: one run into a fresh folder; keeps the shortest time
  local name=$1; shift
  rm -rf "$work/out"
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2> "$work/stderr.txt" || { echo "$name failed:" >&2; cat "$work/stderr.txt" >&2; exit 1; }
  end=$(date +%s.%N)
  diff -rq "$root/$folder" "$work/out" > /dev/null || { echo "$name: the copy differs" >&2; exit 1; }
  local seconds
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  if [[ -f $work/$name.s ]]; then seconds=$(awk -v a="$seconds" -v b="$(cat "$work/$name.s")" 'BEGIN { print (a < b ? a : b) }'); fi
  echo "$seconds" > "$work/$name.s"
}

shown_url=$(sed -E 's#//([^:/@]+):[^@]*@#//\1:****@#' <<< "$url")
echo "$count files of 4 KiB over $($tls && echo FTPS || echo plain FTP) on loopback ($shown_url), 4 connections, best of 3, interleaved"
for _ in 1 2 3; do
  measure ferry "$ferry" mirror -P 4 --no-progress "${ferry_options[@]}" "$url$folder/" "$work/out"
  measure lftp lftp -e "$lftp_settings mirror -P 4 $folder $work/out; quit" "$lftp_url"
done
for name in ferry lftp; do
  awk -v n="$name" -v s="$(cat "$work/$name.s")" -v c="$count" \
    'BEGIN { printf "%-6s %7.2f s   %6.2f ms a file\n", n, s, s * 1000 / c }'
done
awk -v f="$(cat "$work/ferry.s")" -v l="$(cat "$work/lftp.s")" 'BEGIN { printf "ratio ferry/lftp: time %.2fx\n", f / l }'
