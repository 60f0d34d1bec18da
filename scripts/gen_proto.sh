#!/usr/bin/env bash
# Regenerates the Python protobuf and gRPC stubs from proto/ into service/api/gen/.
# The -I mapping makes the generated modules import each other absolutely
# (service.api.gen.signupguard.v1...), so nothing needs patching afterwards.
#
# Environment:
#   PYTHON    interpreter that has grpcio-tools (default: .venv/bin/python when it exists,
#             else python)
#   GEN_ROOT  directory under which service/api/gen/ is written (default: the repo root);
#             relative to the repo root. tests/test_tooling.py points it at a temporary
#             directory to check the committed stubs without touching them.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${PYTHON:-}" ]]; then
  PY=$PYTHON
elif [[ -x .venv/bin/python ]]; then
  PY=.venv/bin/python
else
  PY=python
fi
root=${GEN_ROOT:-.}
out=service/api/gen
rm -rf "${root:?}/$out/signupguard"
mkdir -p "$root/$out"
mapfile -t protos < <(find proto -name '*.proto' | LC_ALL=C sort | sed "s#^proto#$out#")
"$PY" -m grpc_tools.protoc \
  -I"$out=proto" \
  --python_out="$root" --pyi_out="$root" --grpc_python_out="$root" \
  "${protos[@]}"
# Every generated folder is a regular package (bytecode caches are not packages).
find "$root/$out" -name __pycache__ -prune -o -type d \
  -exec sh -c 'test -f "$1/__init__.py" || : > "$1/__init__.py"' _ {} \;
