/* The nvcf plugin module: NVIDIA Cloud Functions streaming elements. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstnvcflatencystamp.h"
#include "gstnvcfplayoutdelay.h"
#include "gstnvcfwebrtcsink.h"

static gboolean plugin_init(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(nvcfwebrtcsink, plugin) &&
         GST_ELEMENT_REGISTER(nvcflatencystamp, plugin) &&
         GST_ELEMENT_REGISTER(nvcfrtphdrextplayoutdelay, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, nvcf,
                  "NVIDIA Cloud Functions low-latency WebRTC streaming", plugin_init,
                  PACKAGE_VERSION, GST_LICENSE, PACKAGE, PACKAGE_ORIGIN)
