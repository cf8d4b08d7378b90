#!/usr/bin/env bash
# Mutation time per repository shape: `orc task note` (one task mutation = one commit) in a
# SHA-1 + files, a SHA-256 and a reftable repository of FILES ordinary files and TASKS
# tasks, next to `git add && git commit` of one file in the same repository. Median of
# RUNS runs, in milliseconds.
#
# Usage: bench/shapes.sh [ORC_BINARY]   (default target/release/orc)
#        FILES=10000 TASKS=1000 RUNS=21 bench/shapes.sh
set -euo pipefail
orc=$(realpath "${1:-$(dirname "$0")/../target/release/orc}")
files=${FILES:-10000}
tasks=${TASKS:-1000}
runs=${RUNS:-21}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
    GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
    GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# Wall time of "$@" in microseconds.
time_us() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    echo $(((end - start) / 1000))
}

# Median (ms) of the numbers (us) in a file.
median() {
    sort -n "$1" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

git_pair() {
    echo "$RANDOM" > user.txt
    git add user.txt && git commit -q -m user
}

shapes=(sha1-files sha256 reftable)
for shape in "${shapes[@]}"; do
    dir="$tmp/$shape"
    case $shape in
        sha1-files) git init -q -b main "$dir" ;;
        sha256) git init -q -b main --object-format=sha256 "$dir" ;;
        reftable) git init -q -b main --ref-format=reftable "$dir" ;;
    esac
    cd "$dir"
    git config gc.auto 0
    git config maintenance.auto false
    mkdir -p src
    for i in $(seq "$files"); do echo "file $i" > "src/f$((i % 100))-$i.txt"; done
    git add -A && git commit -q -m files
    "$orc" init > /dev/null
    for i in $(seq "$tasks"); do "$orc" task add "task $i" --no-commit > /dev/null 2>&1; done
    git add .orchestrator && git commit -q -m tasks
    "$orc" task add "measured" > "$tmp/$shape.id"
    cd - > /dev/null
done

# Interleaved, so that the machine's load falls on every shape alike.
for _ in $(seq "$runs"); do
    for shape in "${shapes[@]}"; do
        cd "$tmp/$shape"
        time_us "$orc" task note "$(cat "$tmp/$shape.id")" "a note" >> "$tmp/$shape.orc"
        time_us git_pair >> "$tmp/$shape.git"
        cd - > /dev/null
    done
done

printf '%-10s %12s %12s %8s\n' shape "orc (ms)" "git (ms)" ratio
for shape in "${shapes[@]}"; do
    orc_ms=$(median "$tmp/$shape.orc")
    git_ms=$(median "$tmp/$shape.git")
    ratio=$(awk -v a="$orc_ms" -v b="$git_ms" 'BEGIN {printf "%.2f", a / b}')
    printf '%-10s %12s %12s %8s\n' "$shape" "$orc_ms" "$git_ms" "$ratio"
done
