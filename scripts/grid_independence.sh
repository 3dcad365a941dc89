#!/usr/bin/env bash
# Grid independence of the tissue pO2 statistics (issue 22): one scenario run at
# h = 10, 5 and 2.5 µm on the same block, with and without the subvoxel wall model,
# the K(d) resistance table and the infinite-medium padding where given. Prints a
# Markdown table (median, fractions below 0.5 / 2.5 / 10 mmHg, run time).
#
# Usage: scripts/grid_independence.sh [SCENARIO] [OUT]
#   SCENARIO  default assets/scenarios/network_file.toml (its [grid] must be at 10 µm)
#   OUT       default oxyfield-out/grid_independence
# Environment: OXYFIELD (the binary; default target/release/oxyfield), BACKEND (cpu),
# VARIANTS (space-separated; default "surface subvoxel table subvoxel+medium
# table+medium"; "+medium" adds [boundary] medium_um = MEDIUM_UM, default 100),
# SPACINGS ("10 5 2.5").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
scenario="$(realpath "${1:-$here/assets/scenarios/network_file.toml}")"
out="${2:-oxyfield-out/grid_independence}"
bin="${OXYFIELD:-$here/target/release/oxyfield}"
backend="${BACKEND:-cpu}"
variants="${VARIANTS:-surface subvoxel table subvoxel+medium table+medium}"
medium_um="${MEDIUM_UM:-100}"
spacings="${SPACINGS:-10 5 2.5}"
mkdir -p "$out"
shape=$(python3 - "$scenario" <<'PY'
import sys, tomllib
g = tomllib.load(open(sys.argv[1], "rb"))["grid"]
assert abs(g["spacing_um"] - 10.0) < 1e-9, "the scenario's grid must be at 10 µm"
print(*g["shape_zyx"])
PY
)
read -r nz ny nx <<<"$shape"
printf '| model | h (µm) | grid | median (mmHg) | < 0.5 | < 2.5 | < 10 | run time (s) |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for v in $variants; do
  medium=0
  case "$v" in *+medium) medium="$medium_um" ;; esac
  case "${v%+medium}" in
    surface) wall='subvoxel = false' ;;
    subvoxel) wall='subvoxel = true' ;;
    table) wall=$'subvoxel = true\nresistance = "table"' ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  for h in $spacings; do
    f=$(python3 -c "print(10.0 / $h)")
    dims=$(python3 -c "print(*(round(n * $f) for n in ($nz, $ny, $nx)))")
    read -r z y x <<<"$dims"
    dir="$out/$v-h$h"
    sc="$out/$v-h$h.toml"
    # The scenario with its grid refined and the wall model set (paths stay
    # relative to the original scenario: `sweep`-style dotted overrides would do too).
    python3 - "$scenario" "$sc" "$z" "$y" "$x" "$h" "$wall" "$medium" <<'PY'
import sys, tomllib, re, os
src, dst, z, y, x, h, wall, medium = sys.argv[1:]
text = open(src).read()
text = re.sub(r"shape_zyx\s*=\s*\[[^\]]*\]", f"shape_zyx = [{z}, {y}, {x}]", text)
text = re.sub(r"spacing_um\s*=\s*[0-9.eE+-]+", f"spacing_um = {h}", text, count=1)
base = os.path.dirname(src)
text = re.sub(r'(?m)^((?:file|table|solute_params|\w+_npy)\s*=\s*")([^"]+)(")', lambda m: m.group(1) + os.path.normpath(os.path.join(base, m.group(2))) + m.group(3), text)
text = re.sub(r"(?ms)^\[vessels\.wall\].*?(?=^\[|\Z)", "", text)
text += "\n[vessels.wall]\n" + wall + "\n"
text = re.sub(r"(?m)^medium_um\s*=.*\n", "", text)
if float(medium) > 0:
    if re.search(r"(?m)^\[boundary\]", text):
        text = re.sub(r"(?m)^\[boundary\].*\n", lambda m: m.group(0) + f"medium_um = {medium}\n", text, count=1)
    else:
        text += f"\n[boundary]\nmedium_um = {medium}\n"
open(dst, "w").write(text)
PY
    start=$(date +%s.%N)
    "$bin" run "$sc" --backend "$backend" --out "$dir" -q >/dev/null
    end=$(date +%s.%N)
    python3 - "$dir/summary.json" "$v" "$h" "$x×$y×$z" "$start" "$end" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["o2"]
f = s["hypoxic_fraction"]
v, h, grid, t0, t1 = sys.argv[2:]
print(f"| {v} | {h} | {grid} | {s['median_mmhg']:.2f} | {100*f['lt_0.5']:.1f} % | "
      f"{100*f['lt_2.5']:.1f} % | {100*f['lt_10']:.1f} % | {float(t1)-float(t0):.1f} |")
PY
  done
done
