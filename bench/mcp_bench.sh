#!/usr/bin/env bash
# Benchmark `orc mcp` (release build) against the Python MCP Task Orchestrator in one
# run: cold start, per-call latency over a workflow, peak RSS. See bench/mcp_bench.py.
#
#   bench/mcp_bench.sh [--runs N] [--json FILE]     (extra args go to mcp_bench.py)
#
# The original is installed once into target/mcp-bench/original (pip, "mcp<2": with
# mcp 2.x it does not start). Its version is printed with the results.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/mcp-bench/original
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp_task_orchestrator" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp-task-orchestrator==1.8.0" "mcp<2"
fi
cargo build --release --quiet

echo "orc $(target/release/orc --version | cut -d' ' -f2), mcp-task-orchestrator" \
    "$("$venv/bin/pip" show mcp-task-orchestrator 2>/dev/null | sed -n 's/^Version: //p')" \
    "(mcp $("$venv/bin/pip" show mcp 2>/dev/null | sed -n 's/^Version: //p')), $(nproc) cores"
exec python3 bench/mcp_bench.py --orc target/release/orc --original-python "$venv/bin/python" "$@"
