#!/usr/bin/env bash
# Set up capsim on a fresh machine and run a job. Usage:
#   bash bootstrap.sh compare [overrides]   set up, then run the main job (regime comparison)
#   bash bootstrap.sh test [pytest args]    set up, then run the test suite
#   bash bootstrap.sh capsim <command> ...  set up, then run any capsim command
# Finds a Python >= 3.12 (PATH, then pyenv), creates .venv, installs the project with its
# test extras, and re-installs only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")"

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

# Prefers Python 3.12 (the version the toolchain was checked on), then any newer one.
find_python() {
  local c
  for c in ${CAPSIM_PYTHON:-} python3.12 python3 python3.13 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$c"; then command -v "$c"; return 0; fi
  done
  local roots=("${PYENV_ROOT:-$HOME/.pyenv}")
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
  for root in "${roots[@]}"; do
    for c in $(ls -d "$root"/versions/3.12*/bin/python3 2>/dev/null | sort -rV) \
             $(ls -d "$root"/versions/3.1[3-9]*/bin/python3 2>/dev/null | sort -V); do
      if ok "$c"; then echo "$c"; return 0; fi
    done
  done
  for c in /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if [ -x "$c" ] && ok "$c"; then echo "$c"; return 0; fi
  done
  return 1
}

setup() {
  if [ ! -x .venv/bin/python ] || ! ok .venv/bin/python; then
    local py
    if ! py=$(find_python); then
      echo "capsim needs Python >= 3.12 and none was found: install it (e.g. 'pyenv install 3.12' or your system's python3.12 package) and run this again." >&2
      exit 1
    fi
    echo "setting up .venv with $py ($("$py" --version 2>&1))" >&2
    rm -rf .venv
    "$py" -m venv .venv
  fi
  local stamp=.venv/.capsim-installed want
  want=$(cat pyproject.toml | .venv/bin/python -c 'import hashlib,sys; print(hashlib.sha1(sys.stdin.buffer.read()).hexdigest())')
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing capsim and its dependencies into .venv ..." >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    if ! .venv/bin/python -m pip install --disable-pip-version-check -e ".[dev]" > .venv/install.log 2>&1 \
       || ! .venv/bin/python -c 'import sim, experiments, analysis' 2>>.venv/install.log; then
      tail -n 30 .venv/install.log >&2
      echo "installation failed; full log in .venv/install.log" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
  # Byte-compile the project's own modules (only those changed since the last time): where
  # PYTHONDONTWRITEBYTECODE is set, as on CI machines, Python would otherwise compile them again in
  # every process - 0.2 s more for each command and each worker (docs/bench/README.md).
  .venv/bin/python -m compileall -q sim experiments analysis hydra_plugins >/dev/null 2>&1 || true
  # Compile the model's kernels once (sim/jit.py; about 30 s, then cached) before parallel workers
  # or test processes would each compile them.
  .venv/bin/python -c 'import sim.jit
if not sim.jit.compiled():
    import sys, sim.model; sim.model.warm_kernels(); print("compiled the model kernels", file=sys.stderr)'
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  compare) setup; exec .venv/bin/capsim compare "$@" ;;
  test)
    setup
    set +e
    # One pytest worker per core (pytest-xdist); tests sharing the SLURM cluster stay in one worker
    # (tests/conftest.py). CAPSIM_TEST_WORKERS=0 runs everything in this process.
    .venv/bin/python -m pytest -n "${CAPSIM_TEST_WORKERS:-auto}" --dist loadgroup "$@"
    rc=$?
    set -e
    [ $rc -eq 5 ] && { echo "pytest collected no tests" >&2; exit 1; }
    exit $rc ;;
  capsim) setup; exec .venv/bin/capsim "$@" ;;
  *) echo "usage: bash bootstrap.sh compare|test|capsim [args]" >&2; exit 2 ;;
esac
