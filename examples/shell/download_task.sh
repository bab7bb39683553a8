#!/usr/bin/env bash
# Lists the result files of an analysis task and downloads them.
#
#   TASKDL_TOKEN=<token> bash download_task.sh <taskId> [folder]
#
# Needs bash, curl and POSIX tools (awk, wc, mktemp, mv), plus sha256sum or
# shasum when the answer gives a file's SHA-256. It asks taskdl for the task's
# temporary download URLs, checks every file name before writing anything,
# downloads each file into the folder (default: the current one) and checks its
# size, and its SHA-256 where the answer gives one.
#
# Environment:
#   TASKDL_URL    the service (default http://127.0.0.1:3000)
#   TASKDL_TOKEN  the bearer token of the task's owner (required)
#
# Exit status: 0 when every file is downloaded and checked; 1 when the service
# answers an error (its message goes to stderr) or a check fails; 2 on wrong
# usage. The token and the signed URLs are credentials: they are never printed,
# and they reach curl through its standard input (-K -), not its command line,
# so that other users of the machine cannot read them in the process list.
set -euo pipefail

PROG=download_task.sh
API_PATH=/analysis/task/get/Download/url

# Reading JSON without jq: jq is not installed everywhere, and a shell example
# should not need Python or Node either. So the answer is read by this small
# JSON reader in POSIX awk, run byte-wise (LC_ALL=C) so that UTF-8 passes
# through untouched. It reads any JSON, decodes every escape (\uXXXX and
# surrogate pairs included) and prints one line per value: path, type
# (o object, a array, s string, n number, b boolean, z null) and value,
# separated by tabs. Control characters (C0, DEL, C1) are written back as the
# six characters \u00XX, so no value can break a line or reach the terminal
# raw, and a name that held one is refused like a name with a backslash. Only
# keys of A-Z a-z 0-9 _ make paths (others are skipped), so no key can pose as
# the path of another value.
JSON_READER='
function fail(why) { printf "invalid JSON at byte %d: %s\n", pos, why > "/dev/stderr"; exit 3 }
function ws() { while (pos <= len && index(" \t\n\r", substr(s, pos, 1)) > 0) pos++ }
function emit(path, type, v) { if (path != "" && index(path, "!") == 0) printf "%s\t%s\t%s\n", path, type, v }
function member(path, key) { return key ~ /^[A-Za-z0-9_]+$/ ? (path == "" ? key : path "." key) : "!" }
function value(path,    c) {
  ws(); c = substr(s, pos, 1)
  if (c == "{") object(path)
  else if (c == "[") array(path)
  else if (c == "\"") emit(path, "s", string())
  else if (substr(s, pos, 4) == "true") { pos += 4; emit(path, "b", "true") }
  else if (substr(s, pos, 5) == "false") { pos += 5; emit(path, "b", "false") }
  else if (substr(s, pos, 4) == "null") { pos += 4; emit(path, "z", "") }
  else number(path)
}
function object(path,    key, c) {
  pos++; emit(path, "o", ""); ws()
  if (substr(s, pos, 1) == "}") { pos++; return }
  for (;;) {
    ws(); if (substr(s, pos, 1) != "\"") fail("expected a key")
    key = string(); ws()
    if (substr(s, pos++, 1) != ":") fail("expected :")
    value(member(path, key)); ws(); c = substr(s, pos++, 1)
    if (c == "}") return
    if (c != ",") fail("expected , or }")
  }
}
function array(path,    n, c) {
  pos++; emit(path, "a", ""); ws()
  if (substr(s, pos, 1) == "]") { pos++; return }
  for (n = 0; ; n++) {
    value(path == "" ? "!" : path "." n); ws(); c = substr(s, pos++, 1)
    if (c == "]") return
    if (c != ",") fail("expected , or ]")
  }
}
function digits(    start) { start = pos; while (substr(s, pos, 1) ~ /[0-9]/) pos++; return pos > start }
function number(path,    start) {
  start = pos
  if (substr(s, pos, 1) == "-") pos++
  if (!digits()) fail("expected a value")
  if (substr(s, pos, 1) == ".") { pos++; if (!digits()) fail("expected digits") }
  if (substr(s, pos, 1) ~ /[eE]/) { pos++; if (substr(s, pos, 1) ~ /[-+]/) pos++; if (!digits()) fail("expected digits") }
  emit(path, "n", substr(s, start, pos - start))
}
function hex4(    h, v, i) {
  h = tolower(substr(s, pos, 4))
  if (h !~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/) fail("bad \\u escape")
  for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
  pos += 4; return v
}
function utf8(cp) {
  if (cp < 128) return chr[cp]
  if (cp < 2048) return chr[192 + int(cp / 64)] chr[128 + cp % 64]
  if (cp < 65536) return chr[224 + int(cp / 4096)] chr[128 + int(cp / 64) % 64] chr[128 + cp % 64]
  return chr[240 + int(cp / 262144)] chr[128 + int(cp / 4096) % 64] chr[128 + int(cp / 64) % 64] chr[128 + cp % 64]
}
function codepoint(cp) {
  if (cp < 32 || (cp >= 127 && cp < 160) || (cp >= 55296 && cp < 57344)) return sprintf("\\u%04x", cp)
  return utf8(cp)
}
function string(    out, c, e, cp, lo) {
  pos++; out = ""
  for (;;) {
    if (pos > len) fail("unterminated string")
    c = substr(s, pos, 1)
    if (c == "\"") { pos++; return out }
    if (c == "\\") {
      e = substr(s, pos + 1, 1); pos += 2
      if (e == "\"" || e == "\\" || e == "/") out = out e
      else if (e == "b") out = out "\\u0008"
      else if (e == "f") out = out "\\u000c"
      else if (e == "n") out = out "\\u000a"
      else if (e == "r") out = out "\\u000d"
      else if (e == "t") out = out "\\u0009"
      else if (e == "u") {
        cp = hex4()
        if (cp >= 55296 && cp < 56320 && substr(s, pos, 2) == "\\u") {
          pos += 2; lo = hex4()
          if (lo >= 56320 && lo < 57344) cp = 65536 + (cp - 55296) * 1024 + (lo - 56320)
          else { out = out codepoint(cp); cp = lo }
        }
        out = out codepoint(cp)
      } else fail("bad escape")
      continue
    }
    if (ord[c] < 32) fail("control character in a string")
    if (ord[c] == 127) out = out "\\u007f"
    else if (ord[c] == 194 && ord[substr(s, pos + 1, 1)] >= 128 && ord[substr(s, pos + 1, 1)] < 160) {
      out = out sprintf("\\u%04x", ord[substr(s, ++pos, 1)])
    } else out = out c
    pos++
  }
}
BEGIN { for (i = 1; i < 256; i++) { chr[i] = sprintf("%c", i); ord[chr[i]] = i } }
{ s = s $0 "\n" }
END { len = length(s); pos = 1; value(""); ws(); if (pos <= len) fail("unexpected characters after the value") }
'

fail() {
  printf '%s: %s\n' "$PROG" "$1" >&2
  exit 1
}

usage() {
  printf 'usage: TASKDL_TOKEN=<token> bash %s <taskId> [folder]\n%s\n' "$PROG" "$1" >&2
  exit 2
}

# A value for curl's config format (-K): inside double quotes, \ and " are escaped.
curl_quote() {
  local text=${1//\\/\\\\}
  printf '%s' "${text//\"/\\\"}"
}

# Percent-encodes a query value byte by byte.
url_encode() {
  local LC_ALL=C text=$1 out='' char i
  for ((i = 0; i < ${#text}; i++)); do
    char=${text:i:1}
    case $char in
      [A-Za-z0-9._~-]) out+=$char ;;
      *) out+=$(printf '%%%02X' "'$char") ;;
    esac
  done
  printf '%s' "$out"
}

# Why a file name from the API must not become a path in the folder; nothing when it is safe.
# The JSON reader has written any control character (NUL included) as \u00XX.
unsafe_name_reason() {
  case $1 in
    '') echo 'is empty' ;;
    *\\u00[01][0-9a-f]* | *\\u007f* | *\\u00[89][0-9a-f]*) echo 'contains a control character' ;;
    */* | *\\*) echo 'contains a path separator' ;;
    *..*) echo 'contains ".."' ;;
    .*) echo 'starts with a dot' ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null; then
    sha256sum -- "$1" | awk '{ print $1 }'
  elif command -v shasum >/dev/null; then
    shasum -a 256 -- "$1" | awk '{ print $1 }'
  else
    fail "cannot check SHA-256: neither sha256sum nor shasum is installed"
  fi
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage 'the task id is required; the folder is optional (default: here)'
task_id=$1
folder=${2:-.}
[ -n "${TASKDL_TOKEN:-}" ] || usage "TASKDL_TOKEN is required: the bearer token of the task's owner"
[[ $TASKDL_TOKEN != *[[:cntrl:]]* ]] || usage 'TASKDL_TOKEN must not contain control characters'
base_url=${TASKDL_URL:-http://127.0.0.1:3000}
[[ $base_url =~ ^https?://[^[:space:][:cntrl:]\"\\]+$ ]] || fail "TASKDL_URL must be an http or https URL (got $base_url)"

body=$(mktemp)
partial=''
trap 'rm -f -- "$body" ${partial:+"$partial"}' EXIT

# The API call: the token goes in a header, and no redirect is followed (it would carry the token elsewhere).
if ! status=$(
  curl -sS --proto =http,https -o "$body" -w '%{http_code}' -K - <<EOF
url = "$(curl_quote "${base_url%/}$API_PATH?taskId=$(url_encode "$task_id")")"
header = "Authorization: Bearer $(curl_quote "$TASKDL_TOKEN")"
header = "Accept: application/json"
EOF
); then
  fail "cannot reach $base_url"
fi

if ! parsed=$(LC_ALL=C awk "$JSON_READER" "$body" 2>/dev/null); then
  fail "HTTP $status: the answer is not taskdl's JSON envelope"
fi

code='' message='error' data='' list='' total='' count=0
declare -a names=() urls=() sizes=() hashes=()
while IFS=$'\t' read -r path type value; do
  case $path in
    code) [ "$type" != n ] || code=$value ;;
    message) [ "$type" != s ] || message=$value ;;
    data) data=$type ;;
    data.totalSize) total=$type:$value ;;
    data.downloadUrls) list=$type ;;
    data.downloadUrls.*)
      entry=${path#data.downloadUrls.}
      index=${entry%%.*}
      [[ $index =~ ^[0-9]+$ ]] || continue
      case $entry in
        "$index") [ "$type" = o ] || fail "downloadUrls[$index] is not an object"; count=$((index + 1)) ;;
        "$index.fileName") names[index]=$type:$value ;;
        "$index.downloadUrl") urls[index]=$type:$value ;;
        "$index.fileSize") sizes[index]=$type:$value ;;
        "$index.sha256") hashes[index]=$type:$value ;;
      esac
      ;;
  esac
done <<<"$parsed"

[[ $code =~ ^[0-9]+$ ]] || fail "HTTP $status: the answer is not taskdl's JSON envelope"
[ "$code" = 200 ] && [ "$data" = o ] || fail "$message ($code)"
[ "$list" = a ] || fail 'the answer has no downloadUrls list'

# Every name, URL, size and hash is checked before anything is written.
sum=0
declare -A seen=()
for ((i = 0; i < count; i++)); do
  [[ ${names[i]:-} == s:* ]] || fail "downloadUrls[$i] has no fileName"
  name=${names[i]#s:}
  reason=$(unsafe_name_reason "$name")
  [ -z "$reason" ] || fail "refusing file name \"$name\": it $reason"
  [ -z "${seen[$name]:-}" ] || fail "refusing file name \"$name\": it is listed twice"
  seen[$name]=1
  [[ ${urls[i]:-} =~ ^s:https?://[^[:space:]\"\\]+$ ]] || fail "$name: the download URL is not an http or https URL"
  [[ ${sizes[i]:-} =~ ^n:(0|[1-9][0-9]{0,17})$ ]] || fail "$name: fileSize is not a whole number of bytes"
  case ${hashes[i]:-} in
    '' | z:) ;;
    s:*) [[ ${hashes[i]} =~ ^s:[0-9a-f]{64}$ ]] || fail "$name: sha256 is not 64 lowercase hex digits" ;;
    *) fail "$name: sha256 is not 64 lowercase hex digits" ;;
  esac
  sum=$((sum + ${sizes[i]#n:}))
done
[ "$total" = "n:$sum" ] || fail "totalSize ${total#*:} is not the sum of the files' sizes"

printf 'task %s: %d file%s, %s bytes\n' "$task_id" "$count" "$([ "$count" = 1 ] || echo s)" "$sum"
for ((i = 0; i < count; i++)); do
  printf '%12s  %s\n' "${sizes[i]#n:}" "${names[i]#s:}"
done

mkdir -p -- "$folder"
# mktemp makes files only their owner may read: the downloads get the usual mode instead.
mode=$(printf '%o' $((0666 & ~$(umask))))
[ "$folder" = / ] || folder=${folder%/}
for ((i = 0; i < count; i++)); do
  name=${names[i]#s:} size=${sizes[i]#n:} sha256=${hashes[i]:-}
  sha256=${sha256#s:} sha256=${sha256#z:}
  partial=$(mktemp -- "$folder/.download_task-XXXXXX")
  # No Authorization header: the signed URL is the credential, and it may point at another host.
  # curl's own messages stay quiet (-s without -S), since some would quote the URL.
  http=$(
    curl -s --proto =http,https --proto-redir =http,https -L --max-redirs 5 -o "$partial" -w '%{http_code}' -K - <<EOF
url = "$(curl_quote "${urls[i]#s:}")"
EOF
  ) || fail "$name: download failed (curl exit status $?)"
  [ "$http" = 200 ] || fail "$name: the download link answered HTTP $http"
  received=$(wc -c <"$partial" | tr -d ' ')
  [ "$received" = "$size" ] || fail "$name: received $received bytes, the answer said $size"
  checked=''
  if [ -n "$sha256" ]; then
    actual=$(sha256_of "$partial")
    [ "$actual" = "$sha256" ] || fail "$name: SHA-256 $actual differs from the answer's $sha256"
    checked=', SHA-256 checked'
  fi
  chmod "$mode" "$partial"
  mv -f -- "$partial" "$folder/$name"
  partial=''
  printf 'saved %s (%s bytes%s)\n' "$folder/$name" "$size" "$checked"
done
