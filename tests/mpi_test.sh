#!/usr/bin/env bash
# The data-parallel GPT under mpirun, 2 ranks over loopback (`make MPI=1 test-mpi`):
#   1. 2 ranks x 4 windows == 1 process x 8 windows: same losses and parameters
#      after 6 steps, within TOL (float sums in another order, nothing more);
#   2. a checkpoint written by 2 ranks resumes with 1 rank (and with 2) with the
#      same continued losses, and 2 -> 2 continues bit for bit;
#   3. ZeRO stage 1 (--zero 1) equals the plain run bit for bit, and its
#      checkpoint resumes with 1 rank without ZeRO (and with 2 with it);
#   4. gpt finetune with 2 ranks prints the loss and accuracies of 1 process,
#      with ZeRO too (when SST-2 is in $NLP_DATA_DIR or data/cache);
#   5. a rank that fails (its --data file is missing) stops the whole job with a
#      clear error and a non-zero status within a timeout, instead of hanging;
#   6. rnn lm-train: 2 ranks x B/2 streams == 1 process x B streams (losses,
#      gradient norms, parameters within TOL), and a 2-rank run resumed by 1
#      rank, carried states included, == the straight 1-process run.
# Needs BUILD (the MPI build's folder, e.g. build/release-mpi), its bin/gpt and bin/rnn.
# As root, OpenMPI needs --allow-run-as-root; --oversubscribe lets 2 ranks run
# on a machine with fewer free slots.
set -u
BUILD=${BUILD:?BUILD=build/<variant>-mpi}
DRIVER=$BUILD/tests/mpi_gpt GPT=$BUILD/bin/gpt RNN=$BUILD/bin/rnn
TOL=${TOL:-2e-5}
MPIRUN=(timeout 120 mpirun --allow-run-as-root --oversubscribe)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
check() {   # check NAME COMMAND...: run it, count a failure
  if "${@:2}"; then echo "PASS $1"; else echo "FAIL $1"; failed=$((failed + 1)); fi
}
start=$(date +%s)

# 1. equivalence
"${MPIRUN[@]}" -np 1 "$DRIVER" train "$tmp/one" 0 6 || failed=$((failed + 1))
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/two" 0 6 || failed=$((failed + 1))
check "2 ranks x B == 1 process x 2B" "$DRIVER" compare "$tmp/one" "$tmp/two" "$TOL"

# 2. resume across rank counts: 3 steps with 2 ranks, then 3 more with 1 or 2
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/half" 0 3 || failed=$((failed + 1))
cp -r "$tmp/half" "$tmp/to1"
cp -r "$tmp/half" "$tmp/to2"
"${MPIRUN[@]}" -np 1 "$DRIVER" train "$tmp/to1" 3 6 || failed=$((failed + 1))
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/to2" 3 6 || failed=$((failed + 1))
check "2-rank checkpoint resumed by 1 rank == by 2 ranks" "$DRIVER" compare "$tmp/to1" "$tmp/to2" "$TOL"
check "2-rank checkpoint resumed by 2 ranks == the straight 2-rank run" "$DRIVER" compare "$tmp/to2" "$tmp/two" 0
check "and its continued losses bit for bit" cmp -s <(tail -3 "$tmp/two/losses") "$tmp/to2/losses"

# 3. ZeRO stage 1 (common/zero.h): the same arithmetic on every value, so the
#    2-rank ZeRO run equals the plain 2-rank run bit for bit, checkpoint file
#    included (its optimizer state gathered whole by rank 0); a ZeRO checkpoint
#    resumes with 1 rank without ZeRO, and with 2 ranks with ZeRO, bit for bit.
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/zero" 0 6 1 || failed=$((failed + 1))
check "ZeRO-1, 2 ranks == plain, 2 ranks (bit for bit)" "$DRIVER" compare "$tmp/zero" "$tmp/two" 0
check "ZeRO-1, 2 ranks == 1 process x 2B" "$DRIVER" compare "$tmp/zero" "$tmp/one" "$TOL"
check "ZeRO-1's checkpoint == the plain run's, byte for byte (m and v whole)" cmp "$tmp/zero/ckpt.bin" "$tmp/two/ckpt.bin"
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/zhalf" 0 3 1 || failed=$((failed + 1))
cp -r "$tmp/zhalf" "$tmp/z1"
cp -r "$tmp/zhalf" "$tmp/z2"
"${MPIRUN[@]}" -np 1 "$DRIVER" train "$tmp/z1" 3 6 || failed=$((failed + 1))
"${MPIRUN[@]}" -np 2 "$DRIVER" train "$tmp/z2" 3 6 1 || failed=$((failed + 1))
check "ZeRO 2-rank checkpoint resumed by 1 rank, no ZeRO == the 2-rank run resumed by 1" \
    "$DRIVER" compare "$tmp/z1" "$tmp/to1" 0
check "ZeRO 2-rank checkpoint resumed by 1 rank == the straight 1-process run" "$DRIVER" compare "$tmp/z1" "$tmp/one" "$TOL"
check "ZeRO 2-rank checkpoint resumed by 2 ranks, ZeRO == the straight 2-rank run" "$DRIVER" compare "$tmp/z2" "$tmp/two" 0

# 4. gpt finetune: 2 ranks == 1 process (loss and accuracies; needs SST-2)
sst=${NLP_DATA_DIR:-data/cache}/sst/stsa.binary.train
[ -f "$sst" ] || sst=data/cache/sst/stsa.binary.train
if [ -f "$sst" ]; then
  head -500 "$sst" | cut -d' ' -f2- > "$tmp/sst.txt"
  "$GPT" train --data "$tmp/sst.txt" --words --layers 1 --heads 2 --width 16 --context 32 --batch 4 --steps 10 \
      --eval-every 0 --final-eval-batches 0 --out "$tmp/pre" --quiet > /dev/null || failed=$((failed + 1))
  for run in "1 0" "2 0" "2 1"; do
    set -- $run
    "${MPIRUN[@]}" -np $1 "$GPT" finetune --model "$tmp/pre/ckpt.bin" --task sst2 --max-train 60 --epochs 2 \
        --batch 8 --dropout 0 --no-scratch --zero $2 --quiet | grep '^pretrained' | cut -c1-45 > "$tmp/ft$1$2"
  done
  check "gpt finetune: 2 ranks == 1 process ($(cat "$tmp/ft10"))" cmp -s "$tmp/ft10" "$tmp/ft20"
  check "gpt finetune --zero 1: 2 ranks == 2 ranks without ZeRO" cmp -s "$tmp/ft20" "$tmp/ft21"
else
  echo "SKIP gpt finetune: no SST-2 ($sst)"
fi

# 5. one rank's data file is missing: the job ends, with that rank's error
printf 'To be, or not to be, that is the question.\n%.0s' $(seq 100) > "$tmp/text.txt"
args=(train --layers 1 --heads 1 --width 8 --context 8 --batch 2 --steps 1000 --quiet --eval-every 0)
"${MPIRUN[@]}" -np 1 "$GPT" "${args[@]}" --data "$tmp/text.txt" --out "$tmp/fail" \
    : -np 1 "$GPT" "${args[@]}" --data "$tmp/missing.txt" --out "$tmp/fail" > "$tmp/fail.log" 2>&1
status=$?
check "a failing rank stops the job (status $status, not 0, not the timeout's 124)" \
    test "$status" -ne 0 -a "$status" -ne 124
check "with its clear error" grep -q "missing.txt" "$tmp/fail.log"
[ "$failed" -eq 0 ] || cat "$tmp/fail.log"

# 6. rnn lm-train, a tiny 2-layer LSTM on characters, 4 streams of 8 steps
# metrics_gap A B SPLITS: the largest gaps between the metrics.tsv rows of runs
# A and B of the same step and split: the loss (absolute) of the rows of SPLITS
# and every train row's grad_norm (relative: a gradient summed, not averaged,
# over the ranks shows up in the norm only), "loss_gap norm_gap". (A resumed
# run's train rows average fewer steps, so its check compares valid losses.)
metrics_gap() {
  awk -F'\t' -v splits=" $3 " 'FNR == 1 { run++; next }
    { key = $1 " " $4 }
    run == 1 { loss[key] = $5; norm[key] = $8; next }
    key in loss {
      if (index(splits, " " $4 " ")) { d = $5 - loss[key]; if (d < 0) d = -d; if (d > l) l = d }
      if ($8 != "") { r = ($8 - norm[key]) / norm[key]; if (r < 0) r = -r; if (r > g) g = r }
      n++ }
    END { if (!n) { print "none none"; exit } printf "%g %g\n", l, g }' "$1/metrics.tsv" "$2/metrics.tsv"
}
within() {   # within "GAPS" TOL: every gap <= TOL (and there are gaps)
  for g in $1; do awk -v g="$g" -v t="$2" 'BEGIN { exit !(g <= t) }' || return 1; done
}
lm=(lm-train --train "$tmp/text.txt" --char --hidden 16 --emb 8 --layers 2 --context 8 --batch 4 --eval-every 3
    --eval-tokens 200 --quiet)
"${MPIRUN[@]}" -np 1 "$RNN" "${lm[@]}" --steps 6 --out "$tmp/rnn1" > /dev/null || failed=$((failed + 1))
"${MPIRUN[@]}" -np 2 "$RNN" "${lm[@]}" --steps 6 --out "$tmp/rnn2" > /dev/null || failed=$((failed + 1))
gaps=$(metrics_gap "$tmp/rnn1" "$tmp/rnn2" "train valid")
check "rnn lm-train: 2 ranks x 2 streams == 1 process x 4 (loss, grad norm gaps $gaps)" within "$gaps" "$TOL"
check "rnn lm-train: and the parameters" "$DRIVER" values "$tmp/rnn1/model.ckpt" "$tmp/rnn2/model.ckpt" "$TOL"
"${MPIRUN[@]}" -np 2 "$RNN" "${lm[@]}" --steps 3 --out "$tmp/rnnh" > /dev/null || failed=$((failed + 1))
"${MPIRUN[@]}" -np 1 "$RNN" "${lm[@]}" --steps 6 --out "$tmp/rnnh" --resume > /dev/null || failed=$((failed + 1))
gaps=$(metrics_gap "$tmp/rnn1" "$tmp/rnnh" valid)
check "rnn lm-train: 2 ranks resumed by 1 == 1 process (loss, grad norm gaps $gaps)" within "$gaps" "$TOL"
check "rnn lm-train: and the parameters" "$DRIVER" values "$tmp/rnn1/model.ckpt" "$tmp/rnnh/model.ckpt" "$TOL"

echo "mpi tests: $failed failed ($(($(date +%s) - start)) s)"
[ "$failed" -eq 0 ]
