#!/bin/sh
# The suites on the image's GStreamer 1.26 (Debian 13, GCC 14): the
# Dockerfile's test stage, built and run by scripts/image --test. Root only
# (buildah); elsewhere a skip, unless every real-peer test was asked for.
if [ "$(id -u)" -ne 0 ]; then
  echo "check-image-suites: needs root (buildah)"
  [ "${NVCF_REQUIRE_PEERS:-}" = 1 ] && exit 1
  exit 77
fi
exec "$1/scripts/image" --test
