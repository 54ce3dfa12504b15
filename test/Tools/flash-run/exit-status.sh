#!/usr/bin/env bash
# exit-status.sh CODE COMMAND...: runs COMMAND and fails unless it exits with
# CODE (lit's `not` only tells zero from non-zero).
expected=$1
shift
"$@"
actual=$?
if [[ $actual -ne $expected ]]; then
  echo "exit-status.sh: expected exit status $expected, got $actual" >&2
  exit 1
fi
