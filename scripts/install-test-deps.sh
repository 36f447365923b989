#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks run for real (Prometheus, promtool, VictoriaMetrics,
# Alertmanager; nginx and wrk for the benchmarks; redis-server for the shared rate limits; bubblewrap for the read-only
# runtime-tree test; tmux for the calm terminal; faketime for a skewed issuer clock) when any is missing. Needs root (CI is root); prints what to do otherwise.
set -euo pipefail
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
command -v nginx >/dev/null || need+=(nginx-light)
command -v wrk >/dev/null || need+=(wrk)
command -v redis-server >/dev/null || need+=(redis-server)
command -v bwrap >/dev/null || need+=(bubblewrap)
# Certificates for the TLS tests and `obspath up --tls` (tools/testing/tls.ts, src/stack/tls.ts); not in Debian's slim images.
command -v openssl >/dev/null || need+=(openssl)
# The doctor's hand-injected clock-skew fault preloads libfaketime into the issuer (test/doctor/hand-faults.test.ts).
command -v faketime >/dev/null || need+=(faketime)
# The console's real-browser tests drive Debian's chromium with playwright-core (test/stack/console-browser.test.ts).
command -v chromium >/dev/null || need+=(chromium)
# The calm terminal of `obspath up` is checked on a real terminal (test/stack/terminal.test.ts: capture-pane).
command -v tmux >/dev/null || need+=(tmux)
# The overlays are also rendered by the real kustomize (kubectl's built-in one will do); neither is a Debian
# package recent enough (Debian's kubernetes-client 1.20 embeds kustomize v2, which lacks `patches`).
if ! command -v kustomize >/dev/null && ! command -v kubectl >/dev/null; then
  echo "note: test/deploy/manifests.test.ts needs kustomize or kubectl (>= 1.21) on PATH" >&2
fi
[ "${#need[@]}" -eq 0 ] && exit 0
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ]; then
  echo "missing test dependencies: ${need[*]}; run as root: apt-get update && apt-get install -y --no-install-recommends ${need[*]}" >&2
  exit 1
fi
echo "== installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
