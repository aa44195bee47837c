#!/usr/bin/env bash
# Debian packages the tests (or benchmarks) need. Installs them when running as root;
# otherwise names what to install and stops.
set -euo pipefail
need=()
have_sodium() { compgen -G "/usr/lib/*/libsodium.so.23*" >/dev/null || compgen -G "/usr/lib/libsodium.so.23*" >/dev/null; }
case "${1:-test}" in
  test)
    [ -x /usr/bin/chromium ] || need+=(chromium)
    [ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
    command -v msgfmt >/dev/null || need+=(gettext)
    [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)  # real IMAP server for the opinion-mailbox tests
    have_sodium || need+=(libsodium23)  # ristretto255 for the secret ballot (pysodium)
    command -v cc >/dev/null || need+=(gcc)  # the ballot proofs' batch check (dangjian/ballots/native)
    command -v ffmpeg >/dev/null || need+=(ffmpeg)  # party-school media conversion (learning)
    ;;
  run)
    # The secret ballot's crypto; without it the rest of the site runs and the ballot pages say
    # what is missing, so a machine where we cannot install it still starts.
    have_sodium || need+=(libsodium23)
    command -v cc >/dev/null || need+=(gcc)  # batch checks of ballot proofs; without it, slower
    # The party school's media conversion; without it uploads are reported as failed.
    command -v ffmpeg >/dev/null || need+=(ffmpeg)
    if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" != 0 ]; then
      echo "Missing Debian packages (secret ballot, media conversion): ${need[*]} (sudo apt-get install ${need[*]})"
      exit 0
    fi
    ;;
  bench)
    command -v wrk >/dev/null || need+=(wrk)
    command -v nginx >/dev/null || need+=(nginx-light)
    command -v ffmpeg >/dev/null || need+=(ffmpeg)  # the test video of bench/learning_progress.py
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
