#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstnvcf.h"

#include "gstnvcflatencystamp.h"
#include "gstnvcfplayoutdelay.h"
#include "gstnvcfwebrtcsink.h"

static gboolean register_elements(GstPlugin* plugin) {
  return GST_ELEMENT_REGISTER(nvcfwebrtcsink, plugin) &&
         GST_ELEMENT_REGISTER(nvcflatencystamp, plugin) &&
         GST_ELEMENT_REGISTER(nvcfrtphdrextplayoutdelay, plugin);
}

/* Always registers, even when an installed nvcf plugin is in the registry:
 * the static features replace the registry's, so the plugin module (which
 * defines the same GTypes) is never loaded into this process. */
gboolean gst_nvcf_register(void) {
  static gsize done = 0;
  static gboolean ok = FALSE;
  if (g_once_init_enter(&done)) {
    ok = gst_plugin_register_static(GST_VERSION_MAJOR, GST_VERSION_MINOR, "nvcf",
                                    "NVIDIA Cloud Functions low-latency WebRTC streaming",
                                    register_elements, PACKAGE_VERSION, GST_LICENSE, PACKAGE,
                                    PACKAGE, PACKAGE_ORIGIN);
    g_once_init_leave(&done, 1);
  }
  return ok;
}
