#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the toolkit needs, when they are missing.
#
#   scripts/deps.sh base        build, tests and demos (make test, make demo)
#   scripts/deps.sh notebooks   base + Jupyter's nbconvert, a Python kernel, numpy and matplotlib
#   scripts/deps.sh bench       base + numpy, PyTorch, regex and fastText (benchmarks, `make fixtures`)
#   scripts/deps.sh mpi         base + OpenMPI (`make MPI=1`, `make MPI=1 test-mpi`: gpt/SCALING.md)
#   scripts/deps.sh site        base + pandoc, nbconvert and headless Chromium (`make site`, `make test-site`)
#   scripts/deps.sh pkg-config 'openblas|blas check ...'
#                               install nothing: check that pkg-config finds each module
#                               ("a|b": either will do); if not, name the missing ones and the
#                               apt-get line, and exit 1 (the Makefile runs this before compiling)
#
# Does nothing when everything is present. Runs apt-get as root, or through
# sudo otherwise; when neither works it prints the command to run by hand.
set -euo pipefail

# The Debian package that provides a pkg-config module.
deb_of() {
  case "$1" in
    openblas|blas) echo libopenblas-dev ;;
    check)         echo check ;;
    libpcre2-8)    echo libpcre2-dev ;;
    libcjson)      echo libcjson-dev ;;
    *)             echo "$1" ;;   # unknown here: its own name is the best guess
  esac
}

if [ "${1:-}" = pkg-config ]; then
  missing_pc=() missing_deb=()
  have_pc=1
  command -v pkg-config >/dev/null 2>&1 || { have_pc=0; missing_deb+=(pkg-config); }
  for spec in ${2:-}; do
    found=0
    for mod in ${spec//|/ }; do
      if [ $have_pc = 1 ] && pkg-config --exists "$mod"; then found=1; break; fi
    done
    if [ $found = 0 ]; then
      missing_pc+=("${spec//|/ or }")
      deb=$(deb_of "${spec%%|*}")
      [[ " ${missing_deb[*]} " == *" $deb "* ]] || missing_deb+=("$deb")
    fi
  done
  [ ${#missing_deb[@]} -eq 0 ] && exit 0
  {
    if [ $have_pc = 0 ]; then
      echo "deps.sh: error: pkg-config is not installed, so the build cannot find its libraries."
    else
      echo "deps.sh: error: pkg-config cannot find: ${missing_pc[*]}"
    fi
    echo "Install the missing packages with"
    echo "    sudo apt-get install -y ${missing_deb[*]}"
    echo "or run 'make test' or 'make demo', which install them through scripts/deps.sh."
  } >&2
  exit 1
fi

# libpcre2-dev and libcjson-dev: GPT-2's pre-tokenisation pattern (Unicode classes) and encoder.json.
# sword-text-kjv, sword-text-sparv, libsword-utils: the KJV / Reina-Valera 1909 verse pairs (bible_pairs.sh).
base=(build-essential libopenblas-dev check pkg-config gnuplot-nox bible-kjv bible-kjv-text libpcre2-dev libcjson-dev
      sword-text-kjv sword-text-sparv libsword-utils)
group=${1:-base}
case "$group" in
  base)      want=("${base[@]}") ;;
  notebooks) want=("${base[@]}" jupyter-nbconvert python3-ipykernel python3-numpy python3-matplotlib) ;;
  bench)     want=("${base[@]}" python3-numpy python3-torch python3-regex fasttext) ;;
  mpi)       want=("${base[@]}" libopenmpi-dev openmpi-bin) ;;
  site)      want=("${base[@]}" pandoc jupyter-nbconvert chromium-headless-shell) ;;
  *) echo "deps.sh: error: unknown group '$group' (base, notebooks, bench, mpi, site)" >&2; exit 2 ;;
esac

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "deps.sh: error: cannot install packages (not root, no sudo). Run by hand:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
  echo "deps.sh: error: apt-get failed. Install by hand:" >&2
  echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
