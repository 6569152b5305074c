# Merges two weights.rs files generated from the same benchmarks: each ref-time figure
# (`Weight::from_parts(N, ...)`) becomes the larger of the two runs; every other line is the
# first run's. Used by bench-weights.sh when RUNS=2 (a shared CPU makes single runs noisy).
#
#   awk -f scripts/max-weights.awk first.rs second.rs > merged.rs
# Exits 2 (printing nothing useful) if the files differ in shape, e.g. a slope present in one
# run only; the caller then keeps the first run.
function num(s) { gsub(/_/, "", s); return s + 0 }
function grouped(n,    s, out) {
  s = sprintf("%d", n); out = ""
  while (length(s) > 3) { out = "_" substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
  return s out
}
function figure(line) {
  if (match(line, /from_parts\([0-9_]+,/)) return substr(line, RSTART + 11, RLENGTH - 12)
  return ""
}
NR == FNR { second[FNR] = $0; n2 = FNR; next }
{
  other = second[FNR]
  a = figure($0); b = figure(other)
  if ((a == "") != (b == "")) { bad = 1; exit 2 }
  if (a != "") {
    if (num(b) > num(a)) sub(/from_parts\([0-9_]+,/, "from_parts(" grouped(num(b)) ",")
  }
  out[FNR] = $0; n1 = FNR
}
END {
  if (bad || n1 != n2) exit 2
  for (i = 1; i <= n1; i++) print out[i]
}
