#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Checks (or with --fix, applies) .clang-format on every C file we own.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h')
[ -n "$files" ] || exit 0
if [ "${1:-}" = "--fix" ]; then
        # shellcheck disable=SC2086
        clang-format -i $files
        exit 0
fi
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror $files 2>/tmp/varpod-format.$$; then
        head -n 40 /tmp/varpod-format.$$ >&2
        rm -f /tmp/varpod-format.$$
        echo "check-format: run 'make format'" >&2
        exit 1
fi
rm -f /tmp/varpod-format.$$
echo "check-format: ok"
