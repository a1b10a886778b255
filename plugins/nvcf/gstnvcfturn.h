/* A TURN server for one webrtcbin's ICE agent, without the password ever
 * reaching a GStreamer property, dot dump or log line (see gstnvcfturn.cpp
 * for why webrtcbin's own ways cannot be used). */
#pragma once

#include <gst/gst.h>

#include <string>

/* Configure ice (webrtcbin's "ice-agent", a GstWebRTCNice) to relay through
 * uri, turn[s]://user:pass@ip:port[?transport=udp|tcp], before
 * negotiation. false with *error (no password in it) when it cannot. On
 * the caller's thread; waits for nothing. */
bool gst_nvcf_ice_add_turn_server(GstObject* ice, const std::string& uri, std::string* error);
