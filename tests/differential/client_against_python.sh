#!/usr/bin/env bash
# examples/scgi_request against an SCGI application built on the Python reference
# (tests/differential/python_server.py). Usage: client_against_python.sh PYTHON SCGI_REQUEST
set -euo pipefail
python=$1
client=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

"$python" "$here/python_server.py" "$tmp/port" 4 &
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
addr="127.0.0.1:$(cat "$tmp/port")"
passed=0
failed=0
check() { # name, expected substring, file
  if grep -qF -- "$2" "$3"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: no '$2' in:"; cat "$3"; fi
}

"$client" -i -H 'X-Test: abc' "$addr" '/hello?x=1' > "$tmp/get"
check get 'HTTP/1.1 200 OK' "$tmp/get"
check get 'X-Server: python-sioscgi' "$tmp/get"
check get 'QUERY_STRING=x=1' "$tmp/get"
check get 'HTTP_X_TEST=abc' "$tmp/get"

"$client" -d 'name=value&x=%21' "$addr" /form > "$tmp/post"
check post 'REQUEST_METHOD=POST' "$tmp/post"
check post 'body=name=value&x=%21' "$tmp/post"

"$client" -i "$addr" /redirect > "$tmp/redirect"
check redirect 'Location: https://example.com/' "$tmp/redirect"
check redirect 'HTTP/1.1 302 Found' "$tmp/redirect"

"$client" -i "$addr" /local > "$tmp/local"
check local 'Location: /elsewhere' "$tmp/local"

wait "$server"
echo "client against Python sioscgi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
