#!/bin/sh
# meson install puts the plugin, the launcher, the pipelines, the library,
# its header and its pkg-config file in place (into a scratch DESTDIR), and
# a plain C application builds against that pkg-config file, links, and
# makes an nvcfwebrtcsink through gst_nvcf_register().
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
[ $missing -eq 0 ] || exit 1

# The .pc file names the install prefix; point it at the scratch copy
# (--define-variable would move the system packages' prefix too).
sed -i "s|^prefix=|prefix=$dest|" "$pc"
pcflags() { PKG_CONFIG_PATH=$(dirname "$pc") pkg-config "$@" gst-nvcf-1.0; }
cat > "$dest/embed.c" <<'C'
#include <gst/nvcf/gstnvcf.h>

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  if (!gst_nvcf_register ())
    return 2;
  GstElement *sink = gst_element_factory_make ("nvcfwebrtcsink", NULL);
  if (!sink)
    return 3;
  gst_object_unref (sink);
  return 0;
}
C
# shellcheck disable=SC2046
if ! cc -o "$dest/embed" "$dest/embed.c" $(pcflags --cflags) $(pcflags --libs); then
  echo "a C application does not build against the installed gst-nvcf-1.0"
  exit 1
fi
status=0
GST_REGISTRY="$dest/registry.bin" GST_PLUGIN_SYSTEM_PATH_1_0="" "$dest/embed" || status=$?
if [ $status -ne 0 ]; then
  echo "the embedding application failed (exit $status)"
  exit 1
fi
echo "install complete; a C application embeds nvcfwebrtcsink"
