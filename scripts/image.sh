#!/usr/bin/env bash
# npm run image [-- extra build args]: builds the Containerfile as obspath:latest (the manifests' image) with
# whichever engine exists: podman, docker (with a running daemon), buildah. IMAGE=name:tag overrides the tag.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${IMAGE:-obspath:latest}"
if command -v podman >/dev/null; then exec podman build -f Containerfile -t "$tag" "$@" .
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then exec docker build -f Containerfile -t "$tag" "$@" .
elif command -v buildah >/dev/null; then exec buildah bud -f Containerfile -t "$tag" "$@" .
fi
if command -v docker >/dev/null; then
  echo "npm run image: docker is installed but no Docker daemon answers (docker info failed); start one, or install podman or buildah" >&2
else
  echo "npm run image: no container engine found; install podman, docker or buildah (e.g. apt-get install podman)" >&2
fi
exit 1
