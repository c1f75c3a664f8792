#!/usr/bin/env bash
# Provide ZMS's zmsentities (it-at-m/eappointment) at the pinned commit for tests/test_zms_php.py,
# outside the repository: ${SLOTPLAN_ZMS_SOURCE:-${XDG_CACHE_HOME:-~/.cache}/slotplan/eappointment-<commit>}.
# Source: a local git mirror of the public repository (ZMS_MIRROR, default /work/.mirror/...); nothing
# is downloaded and no ZMS code enters this repository. Exits 0 (the test then skips) when no mirror is there.
set -euo pipefail
commit=$(cat "$(dirname "$0")/COMMIT")
target=${SLOTPLAN_ZMS_SOURCE:-${XDG_CACHE_HOME:-$HOME/.cache}/slotplan/eappointment-$commit}
mirror=${ZMS_MIRROR:-/work/.mirror/it-at-m+eappointment/repo}
if [ -f "$target/zmsentities/src/Zmsentities/Availability.php" ]; then exit 0; fi
if ! git --git-dir="$mirror" cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "ZMS source: no mirror with commit $commit at $mirror; the ZMS test will skip" >&2
  exit 0
fi
mkdir -p "$target.tmp"
git --git-dir="$mirror" archive "$commit" zmsentities/src zmsentities/schema | tar -x -C "$target.tmp"
mv "$target.tmp" "$target"
echo "ZMS source: zmsentities at $commit in $target"
