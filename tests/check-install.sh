#!/bin/sh
# meson install puts the plugin, the launcher, the pipelines, the library,
# its header and its pkg-config file in place (into a scratch DESTDIR).
set -eu
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
missing=0
for want in 'gstreamer-1.0/libgstnvcf.so' 'bin/nvcf-streamer' 'share/gst-nvcf/pipelines/default.pipeline' \
    'libgstnvcf-1.0.a' 'pkgconfig/gst-nvcf-1.0.pc' 'include/gstreamer-1.0/gst/nvcf/gstnvcf.h'; do
  if ! find "$dest" -path "*/$want" | grep -q .; then
    echo "not installed: $want"
    missing=1
  fi
done
pc=$(find "$dest" -name gst-nvcf-1.0.pc)
grep -q -- '-lgstnvcf-1.0' "$pc" || { echo "pkg-config file does not link the library"; missing=1; }
[ $missing -eq 0 ] && echo "install complete"
exit $missing
