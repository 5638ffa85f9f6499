#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the toolkit needs, when they are missing.
#
#   scripts/deps.sh base        build, tests and demos (make test, make demo)
#   scripts/deps.sh notebooks   base + Jupyter's nbconvert and a Python kernel
#   scripts/deps.sh bench       base + numpy, PyTorch and regex (benchmarks, `make fixtures`);
#                               with KENLM_DIR set, also what building KenLM needs
#
# Does nothing when everything is present. Runs apt-get as root, or through
# sudo otherwise; when neither works it prints the command to run by hand.
set -euo pipefail

# libpcre2-dev and libcjson-dev: GPT-2's pre-tokenisation pattern (Unicode classes) and encoder.json.
base=(build-essential libopenblas-dev check pkg-config gnuplot-nox bible-kjv bible-kjv-text libpcre2-dev libcjson-dev)
group=${1:-base}
case "$group" in
  base)      want=("${base[@]}") ;;
  notebooks) want=("${base[@]}" jupyter-nbconvert python3-ipykernel python3-numpy) ;;
  bench)     want=("${base[@]}" python3-numpy python3-torch python3-regex)
             # building KenLM from KENLM_DIR (bench/peers.sh): its CMake and Boost
             [ -z "${KENLM_DIR:-}" ] || want+=(cmake libboost-program-options-dev libboost-system-dev
                 libboost-thread-dev libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev) ;;
  *) echo "deps.sh: error: unknown group '$group' (base, notebooks, bench)" >&2; exit 2 ;;
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
