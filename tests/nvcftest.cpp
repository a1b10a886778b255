#include "nvcftest.h"

#include <gtest/gtest.h>

#include <glib/gstdio.h>
#include <gst/webrtc/webrtc.h>

#include <unistd.h>

#include <cstring>
#include <mutex>
#include <string>

#include "gstnvcf.h"
#include "nvcfjson.h"

namespace nvcftest {

/* A suite that logs to files (GST_DEBUG_FILE, "<dir>/<suite>-%p.log")
 * starts with its own earlier files removed, so the directory holds what
 * this run wrote (secrets-grep reads it); the dot directory is made. */
static void prepare_log_files() {
  const char* file = g_getenv("GST_DEBUG_FILE");
  if (file && *file && strcmp(file, "-") != 0) {
    gchar* dir = g_path_get_dirname(file);
    gchar* base = g_path_get_basename(file);
    g_mkdir_with_parents(dir, 0755);
    const char* pid = strstr(base, "%p");
    std::string prefix = pid ? std::string(base, pid - base) : "";
    std::string mine = prefix + std::to_string(getpid()) + ".log"; /* if gst_init ran already */
    if (GDir* d = prefix.empty() ? nullptr : g_dir_open(dir, 0, nullptr)) {
      while (const gchar* name = g_dir_read_name(d))
        if (g_str_has_prefix(name, prefix.c_str()) && g_str_has_suffix(name, ".log") &&
            mine != name)
          g_remove((std::string(dir) + "/" + name).c_str());
      g_dir_close(d);
    }
    g_free(base);
    g_free(dir);
  }
  if (const char* dot = g_getenv("GST_DEBUG_DUMP_DOT_DIR"))
    g_mkdir_with_parents(dot, 0755);
}

void init() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    prepare_log_files();
    g_once_init_leave(&once, 1);
  }
  gst_init(nullptr, nullptr);
  gst_nvcf_register();
}

void restore_default_log() {
  const char* file = g_getenv("GST_DEBUG_FILE");
  FILE* out = nullptr;
  if (file && *file && strcmp(file, "-") != 0) {
    std::string name = file;
    size_t p = name.find("%p");
    if (p != std::string::npos)
      name.replace(p, 2, std::to_string(getpid()));
    out = g_fopen(name.c_str(), "a"); /* kept open: the log function writes to it from now on */
  }
  gst_debug_add_log_function(gst_debug_log_default, out, nullptr);
}

bool wait_until(const std::function<bool()>& pred, unsigned timeout_ms, unsigned step_ms) {
  GMainContext* ctx = g_main_context_get_thread_default();
  if (!ctx)
    ctx = g_main_context_default();
  gint64 deadline = g_get_monotonic_time() + gint64(timeout_ms) * 1000;
  while (!pred()) {
    if (g_get_monotonic_time() >= deadline)
      return false;
    GSource* tick = g_timeout_source_new(step_ms);
    g_source_set_callback(
        tick, [](gpointer) -> gboolean { return G_SOURCE_REMOVE; }, nullptr, nullptr);
    g_source_attach(tick, ctx);
    g_main_context_iteration(ctx, TRUE);
    g_source_destroy(tick);
    g_source_unref(tick);
  }
  return true;
}

void pause(unsigned ms) {
  wait_until([] { return false; }, ms);
}

HttpReply http(unsigned port, const std::string& method, const std::string& path,
               const std::string& content_type, const std::string& body, unsigned timeout_s) {
  HttpReply reply;
  std::string uri = "http://127.0.0.1:" + std::to_string(port) + path;
  SoupSession* session = soup_session_new_with_options("timeout", timeout_s, NULL);
  SoupMessage* msg = soup_message_new(method.c_str(), uri.c_str());
  if (!content_type.empty() || !body.empty()) {
    GBytes* bytes = g_bytes_new(body.data(), body.size());
    soup_message_set_request_body_from_bytes(
        msg, content_type.empty() ? nullptr : content_type.c_str(), bytes);
    g_bytes_unref(bytes);
  }
  GError* error = nullptr;
  GBytes* answer = soup_session_send_and_read(session, msg, nullptr, &error);
  if (answer) {
    reply.status = soup_message_get_status(msg);
    gsize size = 0;
    const char* data = static_cast<const char*>(g_bytes_get_data(answer, &size));
    reply.body.assign(data ? data : "", size);
    SoupMessageHeaders* h = soup_message_get_response_headers(msg);
    if (const char* allow = soup_message_headers_get_one(h, "Allow"))
      reply.allow = allow;
    if (const char* type = soup_message_headers_get_content_type(h, nullptr))
      reply.content_type = type;
    g_bytes_unref(answer);
  }
  g_clear_error(&error);
  g_object_unref(msg);
  g_object_unref(session);
  return reply;
}

Readiness ready(unsigned control_port, unsigned timeout_s) {
  HttpReply r = http(control_port, "GET", "/v1/streaming/ready", "", "", timeout_s);
  Readiness out;
  out.status = r.status;
  out.body = r.body;
  out.state = Json::parse(r.body)["state"].str();
  return out;
}

bool wait_ready_state(unsigned control_port, const std::string& state, unsigned timeout_ms) {
  return wait_until([&] { return ready(control_port).state == state; }, timeout_ms);
}

bool wait_ready_status(unsigned control_port, unsigned status, unsigned timeout_ms) {
  return wait_until([&] { return ready(control_port).status == status; }, timeout_ms);
}

GstElement* find_by_factory(GstElement* bin, const char* factory) {
  GstElement* found = nullptr;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (!found && gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&v));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_strcmp0(GST_OBJECT_NAME(f), factory) == 0)
      found = GST_ELEMENT(gst_object_ref(e));
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return found;
}

int count_by_type(GstElement* bin, const char* type_name) {
  int n = 0;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue v = G_VALUE_INIT;
  while (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    n += g_strcmp0(G_OBJECT_TYPE_NAME(g_value_get_object(&v)), type_name) == 0;
    g_value_reset(&v);
  }
  g_value_unset(&v);
  gst_iterator_free(it);
  return n;
}

Streamer::Streamer(const std::string& props, const std::string& source) {
  std::string desc = source +
                     " ! nvcfwebrtcsink name=sink control-port=0 control-address=127.0.0.1 "
                     "streaming-port=0 " +
                     props;
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(desc.c_str(), &error);
  if (error) {
    ADD_FAILURE() << "pipeline: " << error->message;
    g_clear_error(&error);
  }
  sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
}

Streamer::Streamer(Description, const std::string& description, const std::string& props) {
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(description.c_str(), &error);
  if (error) {
    ADD_FAILURE() << "pipeline: " << error->message << "\n" << description;
    g_clear_error(&error);
  }
  if (!pipeline_)
    return;
  sink_ = find_by_factory(pipeline_, "nvcfwebrtcsink");
  if (!sink_) {
    ADD_FAILURE() << "no nvcfwebrtcsink in: " << description;
    return;
  }
  gchar** args = g_strsplit_set(
      ("control-port=0 control-address=127.0.0.1 streaming-port=0 " + props).c_str(), " \t", -1);
  for (gchar** a = args; *a; a++) {
    gchar* eq = strchr(*a, '=');
    if (!eq)
      continue;
    *eq = 0;
    gst_util_set_object_arg(G_OBJECT(sink_), *a, eq + 1);
  }
  g_strfreev(args);
}

Streamer::~Streamer() {
  if (pipeline_) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }
  if (sink_)
    gst_object_unref(sink_);
}

bool Streamer::set_state(GstState state) {
  if (gst_element_set_state(pipeline_, state) == GST_STATE_CHANGE_FAILURE)
    return false;
  GstState current;
  return gst_element_get_state(pipeline_, &current, nullptr, 10 * GST_SECOND) !=
             GST_STATE_CHANGE_FAILURE &&
         current == state;
}

unsigned Streamer::control_port() const {
  guint port = 0;
  g_object_get(sink_, "control-port", &port, NULL);
  return port;
}

unsigned Streamer::streaming_port() const {
  guint port = 0;
  g_object_get(sink_, "streaming-port", &port, NULL);
  return port;
}

std::string Streamer::ready_state() const {
  gchar* s = nullptr;
  g_object_get(sink_, "ready-state", &s, NULL);
  std::string out = s ? s : "";
  g_free(s);
  return out;
}

bool Streamer::wait_ready_state(const std::string& state, unsigned timeout_ms) const {
  return wait_until([&] { return ready_state() == state; }, timeout_ms);
}

bool Streamer::wait_element_message(const char* name, unsigned timeout_ms, GstStructure** out) {
  GstBus* bus = gst_element_get_bus(pipeline_);
  gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
  bool found = false;
  while (!found) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0)
      break;
    GstMessage* m = gst_bus_timed_pop_filtered(bus, left * GST_USECOND, GST_MESSAGE_ELEMENT);
    if (!m)
      break;
    const GstStructure* s = gst_message_get_structure(m);
    if (s && gst_structure_has_name(s, name)) {
      found = true;
      if (out)
        *out = gst_structure_copy(s);
    }
    gst_message_unref(m);
  }
  gst_object_unref(bus);
  return found;
}

struct RemoteCandidates::Record {
  std::mutex lock;
  std::vector<std::string> addresses;
  /* A candidate's address: the fifth field, with or without "candidate:". */
  void add(const char* line) {
    gchar** fields = g_strsplit(line ? line : "", " ", 6);
    std::lock_guard<std::mutex> l(lock);
    addresses.push_back(g_strv_length(fields) > 4 ? fields[4]
                                                  : std::string("?") + (line ? line : ""));
    g_strfreev(fields);
  }
};

namespace {

using Record = RemoteCandidates::Record;

void free_record(gpointer data, GClosure*) {
  delete static_cast<std::shared_ptr<Record>*>(data);
}

Record& record_of(gpointer data) {
  return **static_cast<std::shared_ptr<Record>*>(data);
}

void on_remote_ice(GstElement*, guint, const gchar* candidate, gpointer data) {
  record_of(data).add(candidate);
}

void on_remote_description(GstElement*, GstWebRTCSessionDescription* desc, GstPromise*,
                           gpointer data) {
  if (!desc || !desc->sdp)
    return;
  for (guint m = 0; m < gst_sdp_message_medias_len(desc->sdp); m++) {
    const GstSDPMedia* media = gst_sdp_message_get_media(desc->sdp, m);
    for (guint n = 0; const gchar* c = gst_sdp_media_get_attribute_val_n(media, "candidate", n);
         n++)
      record_of(data).add(c);
  }
}

/* Runs on the session's thread that makes the webrtcbin, before it
 * negotiates. */
void on_webrtcbin(GstElement*, const gchar*, GstElement* webrtc, gpointer data) {
  auto& record = *static_cast<std::shared_ptr<Record>*>(data);
  g_signal_connect_data(webrtc, "add-ice-candidate", G_CALLBACK(on_remote_ice),
                        new std::shared_ptr<Record>(record), free_record, GConnectFlags(0));
  g_signal_connect_data(webrtc, "set-remote-description", G_CALLBACK(on_remote_description),
                        new std::shared_ptr<Record>(record), free_record, GConnectFlags(0));
}

}  // namespace

RemoteCandidates::RemoteCandidates(GstElement* sink)
    : record_(std::make_shared<Record>()), sink_(GST_ELEMENT(gst_object_ref(sink))) {
  handler_ =
      g_signal_connect_data(sink, "webrtcbin-created", G_CALLBACK(on_webrtcbin),
                            new std::shared_ptr<Record>(record_), free_record, GConnectFlags(0));
}

RemoteCandidates::~RemoteCandidates() {
  g_signal_handler_disconnect(sink_, handler_);
  gst_object_unref(sink_);
}

std::vector<std::string> RemoteCandidates::addresses() const {
  std::lock_guard<std::mutex> l(record_->lock);
  return record_->addresses;
}

}  // namespace nvcftest
