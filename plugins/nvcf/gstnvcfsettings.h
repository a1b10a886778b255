/* The settings of nvcfwebrtcsink as GObject properties: the property
 * table (names, ranges, documentation) and its mapping onto
 * nvcf::Settings (core/config.h). The element adds what is not a
 * setting: the bound ports, ready-state and stats. Pure mapping, no
 * locking: the element holds its settings lock around these calls. */
#pragma once

#include <glib-object.h>

#include "core/config.h"

enum GstNvcfProperty {
  GST_NVCF_PROP_0,
  GST_NVCF_PROP_CONTROL_PORT,
  GST_NVCF_PROP_CONTROL_ADDRESS,
  GST_NVCF_PROP_STREAMING_PORT,
  GST_NVCF_PROP_START_ENDPOINT,
  GST_NVCF_PROP_PORT_RANGE,
  GST_NVCF_PROP_MAX_SESSIONS,
  GST_NVCF_PROP_VIDEO_ENCODER,
  GST_NVCF_PROP_VIDEO_BITRATE,
  GST_NVCF_PROP_READY_STATE,
  GST_NVCF_PROP_CREDS_USE,
  GST_NVCF_PROP_STUN_SERVER,
  GST_NVCF_PROP_TURN_SERVER,
  GST_NVCF_PROP_ICE_ADDRESSES,
  GST_NVCF_PROP_ICE_TCP,
  GST_NVCF_PROP_PLAYOUT_DELAY,
  GST_NVCF_PROP_LIP_SYNC,
  GST_NVCF_PROP_ICE_TRANSPORT_POLICY,
  GST_NVCF_PROP_KEEPALIVE_INTERVAL,
  GST_NVCF_PROP_SESSION_POLICY,
  GST_NVCF_PROP_RESUME_TIMEOUT,
  GST_NVCF_PROP_MAX_CONNECTIONS,
  GST_NVCF_PROP_REQUEST_TIMEOUT,
  GST_NVCF_PROP_STATS,
  GST_NVCF_PROP_CONGESTION_CONTROL,
  GST_NVCF_PROP_MIN_VIDEO_BITRATE,
  GST_NVCF_PROP_MAX_VIDEO_BITRATE,
  GST_NVCF_PROP_PLAYOUT_DELAY_MAX,
};

/* Installs every property of the element, on its class. */
void gst_nvcf_settings_install(GObjectClass* klass);
/* Applies value to s; false when prop_id is not a setting. */
bool gst_nvcf_settings_set(nvcf::Settings& s, guint prop_id, const GValue* value);
/* Reads prop_id from s into value; false when it is not a setting. */
bool gst_nvcf_settings_get(const nvcf::Settings& s, guint prop_id, GValue* value);
