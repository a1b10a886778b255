/* Embedding API: link gst-nvcf-1.0 and call gst_nvcf_register() after
 * gst_init() to use nvcfwebrtcsink without installing the plugin. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* Registers the nvcf elements as a static plugin. Safe to call
 * twice; takes precedence over an installed nvcf plugin. */
gboolean gst_nvcf_register(void);

G_END_DECLS
