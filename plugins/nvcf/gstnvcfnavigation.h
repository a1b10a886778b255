/* Data-channel input to upstream GStreamer events.
 *
 * The thin GStreamer side of core/input.h: a parsed viewer request becomes
 * the event the session pushes upstream on the matching video pad, where a
 * navigation-aware source (ximagesrc, navigationtest, an application's
 * appsrc) handles it.
 */
#pragma once

#include <gst/gst.h>

#include <string>

#include "core/input.h"

/* A GstNavigation event (gst_navigation_event_new_*()) for @ev.
 * Returns: (transfer full): the event; never NULL. */
GstEvent* gst_nvcf_navigation_event_new(const nvcf::NavigationEvent& ev);

/* A GST_EVENT_CUSTOM_UPSTREAM event whose structure is named @structure_name
 * and holds the members of the JSON object @structure_json: strings,
 * booleans, integers (gint, or gint64 when out of gint's range) and doubles
 * as such; arrays and objects as their JSON text. null members are refused,
 * having no type.
 * Returns: (transfer full) (nullable): the event, or NULL with @error set
 * (when @error is not NULL) for an invalid name or JSON. */
GstEvent* gst_nvcf_custom_upstream_event_new(const std::string& structure_name,
                                             const std::string& structure_json, std::string* error);
