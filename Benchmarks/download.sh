#!/usr/bin/env bash
# Peak memory and time of one large download: ferry beside curl, same server, same run.
# Prints figures, never pass/fail.
#   Benchmarks/download.sh [SIZE_MIB]         plain FTP from `ferry demo --serve` (default 1024 MiB)
#   Benchmarks/download.sh --tls [SIZE_MIB]   FTPS (explicit, session reuse) from the interop vsftpd:
#                                             needs `scripts/interop-servers start` first
set -euo pipefail
tls=false
if [[ ${1:-} == --tls ]]; then tls=true; shift; fi
size_mib=${1:-1024}
top=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${FERRY_BIN:-} ]]; then (cd "$top" && swift build -c release --product ferry >&2); fi
ferry=${FERRY_BIN:-$top/.build/release/ferry}
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d /tmp/ferry-bench.XXXXXX)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/root" "$work/out"
source_file="$work/root/big.bin"
if $tls; then
  env_file=${FERRY_INTEROP_DIR:-/tmp/ferry-interop}/env
  [[ -f $env_file ]] || { echo "run scripts/interop-servers start first" >&2; exit 2; }
  source "$env_file"
  source_file="$FERRY_TEST_VSFTPD_TLS_ROOT/bench-big.bin"
  url=${FERRY_TEST_VSFTPD_TLS_URL}
  ferry_options=(--ca-file "$FERRY_TEST_CA_FILE")
  curl_options=(--ssl-reqd --cacert "$FERRY_TEST_CA_FILE")
  trap 'cleanup; rm -f "$source_file"' EXIT
  head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$source_file"
  ln -s "$source_file" "$work/root/big.bin"
  remote_name=bench-big.bin
else
  head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$source_file"
  "$ferry" demo --serve --root "$work/root" > "$work/server.txt" &
  server_pid=$!
  for _ in $(seq 100); do grep -q 'ftp://' "$work/server.txt" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'ftp://[^ ]*' "$work/server.txt" | head -n 1)
  ferry_options=()
  curl_options=()
  remote_name=big.bin
fi

measure() { # name, command...: one run, keeping the largest peak RSS and the shortest time
  local name=$1; shift
  rm -f "$work/out/"*
  /usr/bin/time -f '%M %e' -o "$work/time.txt" "$@" > /dev/null 2> "$work/stderr.txt" \
    || { echo "$name failed:" >&2; cat "$work/stderr.txt" >&2; exit 1; }
  read -r peak_kib seconds < "$work/time.txt"
  cmp -s "$source_file" "$work/out/big.bin" || { echo "$name: downloaded file differs" >&2; exit 1; }
  if [[ -f $work/$name.figures ]]; then
    read -r best_kib best_s < "$work/$name.figures"
    peak_kib=$(( peak_kib > best_kib ? peak_kib : best_kib ))
    seconds=$(awk -v a="$seconds" -v b="$best_s" 'BEGIN { print (a < b ? a : b) }')
  fi
  echo "$peak_kib $seconds" > "$work/$name.figures"
}

shown_url=$(sed -E 's#//([^:/@]+):[^@]*@#//\1:****@#' <<< "$url")
echo "download of $size_mib MiB over $($tls && echo FTPS || echo plain FTP) on loopback ($shown_url), best of 3 rounds, interleaved"
for _ in 1 2 3; do
  measure ferry "$ferry" get --no-progress "${ferry_options[@]}" "${url}${remote_name}" "$work/out/big.bin"
  # curl spells explicit TLS as ftp:// with --ssl-reqd.
  measure curl curl -s -S "${curl_options[@]}" -o "$work/out/big.bin" "${url/#ftpes:/ftp:}${remote_name}"
done
for name in ferry curl; do
  read -r peak_kib seconds < "$work/$name.figures"
  awk -v n="$name" -v k="$peak_kib" -v s="$seconds" -v m="$size_mib" \
    'BEGIN { printf "%-6s peak RSS %7.1f MiB   %6.2f s   %8.1f MiB/s\n", n, k / 1024, s, m / (s > 0 ? s : 0.01) }'
done
read -r ferry_kib ferry_s < "$work/ferry.figures"
read -r curl_kib curl_s < "$work/curl.figures"
awk -v fk="$ferry_kib" -v ck="$curl_kib" -v fs="$ferry_s" -v cs="$curl_s" \
  'BEGIN { printf "ratio ferry/curl: peak RSS %.2fx, time %.2fx\n", fk / ck, (cs > 0 ? fs / cs : 0) }'
