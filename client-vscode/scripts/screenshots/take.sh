#!/usr/bin/env bash
# Takes the README's screenshots from a real rendering: Neovim (from the repository's .venv) running the
# paramlens language server inside tmux, captured with its colours and converted to PNG through rich's SVG
# export and rsvg-convert (Debian: librsvg2-bin). VS Code cannot run on the build machines.
# Usage: client-vscode/scripts/screenshots/take.sh   (writes client-vscode/images/screenshot-*.png)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/client-vscode/images"
EXAMPLE="examples/seed-cnn-2d.arch.yaml"
SESSION="paramlens-shots-$$"
ROWS=17  # the hints picture: the whole example, nothing else
WORK="$(mktemp -d)"
trap 'tmux kill-session -t "$SESSION" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cd "$ROOT"
tmux -f /dev/null new-session -d -s "$SESSION" -x 110 -y "$ROWS" \
  "env TERM=tmux-256color PARAMLENS_PYTHON=$PY COLORTERM=truecolor $ROOT/.venv/bin/nvim -u $HERE/init.lua -i NONE $EXAMPLE"
tmux set -t "$SESSION" -g default-terminal tmux-256color
tmux set -t "$SESSION" -ga terminal-overrides ',*:Tc'
sleep 4
tmux capture-pane -t "$SESSION" -e -p > "$WORK/hints.ansi"

# Hover over the first Conv2d (line 7 of the seed example): K is Neovim's hover key. The window grows so
# that the hover opens in full below the line.
tmux resize-window -t "$SESSION" -x 110 -y 36
sleep 1
tmux send-keys -t "$SESSION" "7G" "fC" "K"
sleep 2
tmux capture-pane -t "$SESSION" -e -p > "$WORK/hover.ansi"

tmux kill-session -t "$SESSION"

# A diagnostic: the seed example with a Linear layer that expects the wrong number of features.
sed 's/in_features: 128/in_features: 256/' "$EXAMPLE" > "$WORK/seed-cnn-2d-broken.arch.yaml"
tmux -f /dev/null new-session -d -s "$SESSION" -x 110 -y "$ROWS" \
  "env TERM=tmux-256color PARAMLENS_PYTHON=$PY COLORTERM=truecolor $ROOT/.venv/bin/nvim -u $HERE/init.lua -i NONE $WORK/seed-cnn-2d-broken.arch.yaml"
sleep 4
tmux send-keys -t "$SESSION" "15G" "fi" "gl"
sleep 1
tmux capture-pane -t "$SESSION" -e -p > "$WORK/diagnostic.ansi"

for name in hints hover diagnostic; do
  title="paramlens in Neovim — $EXAMPLE"
  [ "$name" = diagnostic ] && title="$title, with in_features: 256"
  "$PY" "$HERE/ansi_to_svg.py" "$WORK/$name.ansi" "$WORK/$name.svg" "$title"
  rsvg-convert --zoom 1.5 -o "$OUT/screenshot-$name.png" "$WORK/$name.svg"
  echo "wrote $OUT/screenshot-$name.png"
done
