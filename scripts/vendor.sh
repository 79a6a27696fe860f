#!/bin/sh
# Re-vendor the UI's browser libraries from the npm registry (run by hand when upgrading; the app
# never fetches anything at run time). Versions are pinned here and in static/vendor/VERSIONS.
set -eu
HTMX=2.0.11
CODEMIRROR=5.65.21
DEST="$(cd "$(dirname "$0")/.." && pwd)/src/autocrea/web/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "htmx.org@$HTMX" "codemirror@$CODEMIRROR" >/dev/null
mkdir htmx cm
tar xzf "htmx.org-$HTMX.tgz" -C htmx
tar xzf "codemirror-$CODEMIRROR.tgz" -C cm
rm -rf "$DEST"
mkdir -p "$DEST/htmx" "$DEST/codemirror/mode" "$DEST/codemirror/addon"
cp htmx/package/dist/htmx.min.js htmx/package/LICENSE "$DEST/htmx/"
cp cm/package/lib/codemirror.js cm/package/lib/codemirror.css cm/package/LICENSE "$DEST/codemirror/"
# Modes for what generated projects contain; htmlmixed needs xml, javascript and css; dockerfile
# needs the simple-mode addon.
for mode in python javascript htmlmixed css yaml markdown xml shell dockerfile; do
  cp "cm/package/mode/$mode/$mode.js" "$DEST/codemirror/mode/"
done
for addon in mode/simple edit/matchbrackets edit/closebrackets selection/active-line; do
  cp "cm/package/addon/$addon.js" "$DEST/codemirror/addon/"
done
printf 'htmx.org %s\ncodemirror %s\n' "$HTMX" "$CODEMIRROR" > "$DEST/VERSIONS"
