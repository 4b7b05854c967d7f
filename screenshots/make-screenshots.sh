#!/bin/sh
# Regenerates screenshots/*.png from the real dashboard, driven through tmux.
#
#   screenshots/make-screenshots.sh BERTH_BINARY ROOT_DIR
#
# BERTH_BINARY is the `berth` executable (e.g. .build/debug/berth); ROOT_DIR a Berth root
# (`--root`) that already holds containers (e.g. after `berth --root DIR demo` or a few
# `berth --root DIR run -d ...`). Needs tmux, /usr/bin/python3 with python3-pil, fonts-dejavu-core.
set -eu
if [ $# -ne 2 ]; then
    echo "usage: $0 BERTH_BINARY ROOT_DIR" >&2
    exit 2
fi
berth=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
here=$(cd "$(dirname "$0")" && pwd)
session=berth-shots-$$
cols=120
rows=40
export LANG=C.UTF-8 LC_ALL=C.UTF-8

start() { # start THEME EXTRA_ENV...
    theme=$1; shift
    tmux kill-session -t "$session" 2>/dev/null || true
    tmux new-session -d -s "$session" -x "$cols" -y "$rows" \
        "env TERM=xterm-256color $* '$berth' --root '$root' top --all --theme '$theme'"
    sleep 3 # two samples, so rates and graphs have data
}
keys() { tmux send-keys -t "$session" "$@"; sleep 1; }
shot() { # shot NAME
    tmux capture-pane -t "$session" -p -e -N > "$here/.capture.txt"
    /usr/bin/python3 "$here/render.py" "$here/.capture.txt" "$here/$1.png" --cols "$cols" --rows "$rows"
    echo "wrote screenshots/$1.png"
}
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -f "$here/.capture.txt"' EXIT

start default
sleep 5 # let the history graphs fill a little
shot overview
keys j Tab
shot detail
keys 3
shot logs
keys z
shot logs-fullscreen
keys z 1 '?'
shot help
keys Escape : 'sort cpu' Enter
shot sorted-by-cpu

for theme in default light high-contrast nord gruvbox solarized-dark; do
    start "$theme"
    shot "theme-$theme"
done

start default NO_COLOR=1
shot mono
start default LANG=C LC_ALL=C
shot ascii
cols=80
rows=24
start default
shot compact-80x24
