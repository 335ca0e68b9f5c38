#!/usr/bin/env bash
# Times the notebooks' first `:dep` outside Jupyter, crate by crate: builds, in a fresh target
# directory, the crate evcxr generates for `:dep bedrock-kit` + `:dep bedrock-local` (its
# Cargo.toml, profile included), under a cargo config like the one ./workshop puts above evcxr's
# build directories. Prints the wall time and the slowest crates (cargo's --timings report).
#
#   scripts/first-dep-timings.sh                      # with scripts/evcxr-cargo.toml
#   scripts/first-dep-timings.sh /dev/null            # without any overrides (every crate at 1)
#   scripts/first-dep-timings.sh my-overrides.toml    # with another config
#   scripts/first-dep-timings.sh /dev/null /tmp/base  # the crates of another checkout
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG="$(realpath "${1:-$HERE/scripts/evcxr-cargo.toml}")"
ROOT="$(cd "${2:-$HERE}" && pwd)"
WORK="$(mktemp -d /var/tmp/first-dep-XXXXXX)"
mkdir -p "$WORK/.cargo" "$WORK/ctx/src"
cp "$CONFIG" "$WORK/.cargo/config.toml"
cp "$ROOT/Cargo.lock" "$WORK/ctx/Cargo.lock"
: >"$WORK/ctx/src/lib.rs"
# The manifest evcxr 0.22 writes (module.rs, get_cargo_toml_contents) with scripts/evcxr.toml's level.
cat >"$WORK/ctx/Cargo.toml" <<EOF
[package]
name = "ctx"
version = "1.0.0"
edition = "2024"

[lib]
crate-type = ["cdylib"]
path = "src/lib.rs"

[profile.dev]
opt-level = 1
debug = false
strip = "debuginfo"
rpath = true
lto = false
debug-assertions = true
codegen-units = 16
panic = 'unwind'
incremental = true
overflow-checks = true

[dependencies]
bedrock-kit = { path = "$ROOT/crate" }
bedrock-local = { path = "$ROOT/emulator" }
serde_json = "1"
EOF
cd "$WORK/ctx"
start=$SECONDS
cargo build --timings >build.log 2>&1 || { cat build.log; exit 1; }
echo "first :dep equivalent: $((SECONDS - start)) s (config: $CONFIG; build in $WORK)"
python3 - "$WORK/ctx/target/cargo-timings/cargo-timing.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
units.sort(key=lambda u: -u["duration"])
print(f"{len(units)} units, {sum(u['duration'] for u in units):.1f} s of compile time in all; slowest:")
for u in units[:15]:
    print(f"{u['duration']:7.1f} s  {u['name']} {u['version']} {u.get('target', '').strip()}")
PY
