#!/usr/bin/env bash
# Makes the snapshots the ledger mode reads: for each project of projects.tsv, its C# and build files
# at the pinned commit in SNAPSHOTS/<name>, with the commit in SNAPSHOTS/<name>/.cg-commit.
# Usage: snapshot.sh SNAPSHOTS [GIT_DIR_ROOT]
#   GIT_DIR_ROOT: a folder of existing clones or mirrors named <owner>+<name> or <name> (each a git
#   directory or a checkout); without it, each repository is cloned from GitHub (blobless).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: snapshot.sh SNAPSHOTS [GIT_DIR_ROOT]}"
clones="${2:-}"
mkdir -p "$out"
tail -n +2 "$here/projects.tsv" | while IFS=$'\t' read -r project commit set folders; do
  [ -n "$project" ] || continue
  name="${project#*/}"
  dest="$out/$name"
  if [ -f "$dest/.cg-commit" ] && [ "$(cat "$dest/.cg-commit")" = "$commit" ]; then
    echo "$project: up to date"; continue
  fi
  git_dir=""
  if [ -n "$clones" ]; then
    for c in "$clones/${project/\//+}/repo" "$clones/${project/\//+}" "$clones/$name"; do
      if git -C "$c" rev-parse --git-dir >/dev/null 2>&1; then git_dir="$(git -C "$c" rev-parse --absolute-git-dir)"; break; fi
    done
  fi
  if [ -z "$git_dir" ]; then
    git_dir="$out/.clones/$name.git"
    [ -d "$git_dir" ] || git clone --bare --filter=blob:none "https://github.com/$project.git" "$git_dir"
  fi
  git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null || git --git-dir="$git_dir" fetch origin "$commit"
  rm -rf "$dest"; mkdir -p "$dest"
  index="$(mktemp)"; rm -f "$index"
  for pattern in '*.cs' '*.csproj' '*.props' '*.targets'; do
    GIT_INDEX_FILE="$index" git --git-dir="$git_dir" --work-tree="$dest" checkout "$commit" -- "$pattern" 2>/dev/null || true
  done
  rm -f "$index"
  echo "$commit" > "$dest/.cg-commit"
  echo "$project: $(find "$dest" -name '*.cs' | wc -l) C# files at $commit"
done
