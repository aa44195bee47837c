#!/usr/bin/env bash
# Debian packages the tests (or benchmarks) need. Installs them when running as root;
# otherwise names what to install and stops.
set -euo pipefail
need=()
case "${1:-test}" in
  test)
    [ -x /usr/bin/chromium ] || need+=(chromium)
    [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
    command -v msgfmt >/dev/null || need+=(gettext)
    [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)  # real IMAP server for the opinion-mailbox tests
    ;;
  bench)
    command -v wrk >/dev/null || need+=(wrk)
    command -v nginx >/dev/null || need+=(nginx-light)
    ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "Missing Debian packages: ${need[*]}"
  echo "Install them with: sudo apt-get install ${need[*]}"
  exit 1
fi
