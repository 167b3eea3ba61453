# Shared helpers of the local set-up scripts (sourced, not run).

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run as root, through sudo when needed.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null; then sudo "$@";
  else die "need root to run: $* (install sudo or run as root)"; fi
}

# apt-get install the given Debian packages unless every command named in $1 exists
# (an empty $1 means: the caller already knows they are missing).
ensure_packages() {
  local commands="$1"; shift
  local missing=0
  [ -z "$commands" ] && missing=1
  for c in $commands; do command -v "$c" >/dev/null || missing=1; done
  [ "$missing" = 0 ] && return 0
  command -v apt-get >/dev/null || die "please install: $* (no apt-get on this machine)"
  say "installing $* (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q "$@" >/dev/null; } \
    || die "apt-get could not install $*"
}
