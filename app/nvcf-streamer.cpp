/* nvcf-streamer: runs a GStreamer pipeline as an NVCF streaming function.
 *
 *   nvcf-streamer                          # pipelines/default.pipeline
 *   nvcf-streamer --pipeline x264-lowlatency
 *   nvcf-streamer --pipeline ./my.pipeline
 *   nvcf-streamer "videotestsrc is-live=true ! nvcfwebrtcsink"
 *
 * SIGINT/SIGTERM: EOS, then NULL, exit 0, all within 5 s (a watchdog ends
 * the process if the pipeline hangs); a second signal exits at once. With session-policy exit (the
 * default here) the streamer ends by itself after its last session, as NVCF expects of a
 * one-session container. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib-unix.h>
#include <gst/gst.h>

#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gstnvcf.h"
#include "pipelinefile.h"

/* NVCF expects a signalled container to be gone within 5 s. Waiting for
 * EOS is bounded by --stop-timeout, but the NULL state change after it is
 * not (an element stuck in its streaming thread blocks it forever), so a
 * watchdog ends the process at kShutdownBoundMs after shutdown began. The
 * margin below 5 s covers process teardown. */
constexpr guint kShutdownBoundMs = 4500;
/* --stop-timeout beyond this would leave no time for the NULL state. */
constexpr gint kMaxStopTimeoutS = 3;

/* Ends the process if shutdown has not finished by the bound. Its own
 * thread: the main thread may be the one that is stuck. */
class ShutdownWatchdog {
 public:
  ~ShutdownWatchdog() { disarm(); }
  /* From the first call on; later calls change nothing. */
  void arm(int exit_code) {
    std::lock_guard<std::mutex> lock(lock_);
    if (thread_.joinable() || done_)
      return;
    thread_ = std::thread([this, exit_code] {
      std::unique_lock<std::mutex> lock(lock_);
      if (cond_.wait_for(lock, std::chrono::milliseconds(kShutdownBoundMs),
                         [this] { return done_; }))
        return;
      /* A signalled stop is still a stop: keep the exit status NVCF
       * expects, and say why we cut it short. */
      static const char msg[] =
          "nvcf-streamer: shutdown did not finish "
          "within 4.5 s (the pipeline is stuck); exiting now\n";
      if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
      }
      _exit(exit_code);
    });
  }
  void disarm() {
    {
      std::lock_guard<std::mutex> lock(lock_);
      done_ = true;
    }
    cond_.notify_all();
    if (thread_.joinable())
      thread_.join();
  }

 private:
  std::mutex lock_;
  std::condition_variable cond_;
  std::thread thread_;
  bool done_ = false;
};

struct Launcher {
  GMainLoop* loop = nullptr;
  GstElement* pipeline = nullptr;
  int exit_code = 0;
  guint signals_seen = 0;
  guint stop_timeout_s = 3;
  ShutdownWatchdog watchdog;
};

/* Pipeline file lookup: a path as given, else NAME or NAME.pipeline in
 * $NVCF_PIPELINES_DIR, the installed directory, then the source tree. */
static std::string find_pipeline_file(const std::string& name) {
  if (g_file_test(name.c_str(), G_FILE_TEST_IS_REGULAR))
    return name;
  if (name.find('/') != std::string::npos)
    return "";
  std::vector<std::string> dirs;
  if (const char* env = g_getenv("NVCF_PIPELINES_DIR"))
    dirs.push_back(env);
  dirs.push_back(NVCF_PIPELINES_INSTALL_DIR);
  dirs.push_back(NVCF_PIPELINES_SOURCE_DIR);
  for (const auto& dir : dirs) {
    for (const std::string& candidate : {name, name + ".pipeline"}) {
      std::string path = dir + "/" + candidate;
      if (g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR))
        return path;
    }
  }
  return "";
}

static void print_ports(GstElement* pipeline) {
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    GstElement* e = GST_ELEMENT(g_value_get_object(&item));
    GstElementFactory* f = gst_element_get_factory(e);
    if (f && g_strcmp0(GST_OBJECT_NAME(f), "nvcfwebrtcsink") == 0) {
      guint control, streaming;
      gchar *endpoint, *range, *address;
      g_object_get(e, "control-port", &control, "streaming-port", &streaming, "start-endpoint",
                   &endpoint, "port-range", &range, "control-address", &address, NULL);
      /* First line for scripts, then one for people. */
      g_print(
          "nvcf-streamer: control-port=%u streaming-port=%u "
          "start-endpoint=%s port-range=%s\n",
          control, streaming, endpoint, range);
      const char* host = (address && *address) ? address : "0.0.0.0";
      g_print(
          "  control server: http://%s:%u/v1/streaming/ready\n"
          "  signalling:     ws://%s:%u%s\n"
          "  media (UDP):    %s\n",
          host, control, host, streaming, endpoint, range);
      g_free(endpoint);
      g_free(range);
      g_free(address);
    }
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

static gboolean on_bus_message(GstBus*, GstMessage* msg, gpointer data) {
  auto* l = static_cast<Launcher*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      GError* err = NULL;
      gchar* debug = NULL;
      gst_message_parse_error(msg, &err, &debug);
      g_printerr("nvcf-streamer: error from %s: %s\n%s%s", GST_OBJECT_NAME(msg->src), err->message,
                 debug ? debug : "", debug ? "\n" : "");
      g_clear_error(&err);
      g_free(debug);
      l->exit_code = 1;
      g_main_loop_quit(l->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_print("nvcf-streamer: end of stream\n");
      g_main_loop_quit(l->loop);
      break;
    case GST_MESSAGE_ELEMENT: {
      const GstStructure* s = gst_message_get_structure(msg);
      if (s && gst_structure_has_name(s, "nvcf-readiness"))
        g_print("nvcf-streamer: readiness %s\n", gst_structure_get_string(s, "state"));
      else if (s && gst_structure_has_name(s, "nvcf-finished"))
        g_print(
            "nvcf-streamer: sessions over (session-policy exit), "
            "stopping\n");
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_stop_timeout(gpointer data) {
  auto* l = static_cast<Launcher*>(data);
  g_printerr("nvcf-streamer: no EOS within %u s, stopping anyway\n", l->stop_timeout_s);
  g_main_loop_quit(l->loop);
  return G_SOURCE_REMOVE;
}

static gboolean on_signal(gpointer data) {
  auto* l = static_cast<Launcher*>(data);
  if (++l->signals_seen > 1) {
    g_printerr("nvcf-streamer: second signal, exiting now\n");
    _exit(130);
  }
  g_print("nvcf-streamer: stopping (EOS)\n");
  l->watchdog.arm(0);
  gst_element_send_event(l->pipeline, gst_event_new_eos());
  g_timeout_add_seconds(l->stop_timeout_s, on_stop_timeout, l);
  return G_SOURCE_CONTINUE;
}

int main(int argc, char** argv) {
  /* glibc gives threads that allocate at once arenas of their own, up to
   * 8 a core, and a streamer runs dozens (each session's webrtcbin, libnice
   * and RTP threads): pages freed in one arena are not reused by another.
   * In a 30-minute soak RSS grew from 36.9 to 84.7 MiB, ever slower; with
   * 2 arenas it stayed at 44-50 MiB over 10 minutes. The environment's
   * MALLOC_ARENA_MAX wins. */
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  if (!g_getenv("MALLOC_ARENA_MAX"))
    mallopt(M_ARENA_MAX, 2);
#endif
  /* GOption fills these with copies; freed on every return. */
  g_autofree gchar* pipeline_file = NULL;
  g_autofree gchar* session_policy = NULL;
  gboolean print_only = FALSE;
  Launcher l;
  gint stop_timeout = 3;
  GOptionEntry entries[] = {
      {"pipeline", 'p', 0, G_OPTION_ARG_FILENAME, &pipeline_file,
       "Pipeline file: a path, or a name from the pipelines directory "
       "(default: default)",
       "FILE"},
      {"print-pipeline", 0, 0, G_OPTION_ARG_NONE, &print_only,
       "Print the pipeline description after substitution and exit", NULL},
      {"stop-timeout", 0, 0, G_OPTION_ARG_INT, &stop_timeout,
       "Seconds to wait for EOS on SIGINT/SIGTERM (default and most: 3)", "S"},
      {"session-policy", 0, 0, G_OPTION_ARG_STRING, &session_policy,
       "After the last session: exit (default: the container ends, as NVCF "
       "expects) or reuse; a session-policy set in the pipeline wins",
       "POLICY"},
      {NULL, 0, 0, G_OPTION_ARG_NONE, NULL, NULL, NULL}};

  GOptionContext* ctx = g_option_context_new("[PIPELINE-DESCRIPTION]");
  g_option_context_set_summary(
      ctx,
      "Runs a GStreamer pipeline as an NVIDIA Cloud Functions streaming "
      "function.\nThe description (or file) uses nvcfwebrtcsink; ${VAR} and "
      "${VAR:-default} are taken from the environment.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  GError* error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("nvcf-streamer: %s\n", error->message);
    g_clear_error(&error);
    g_option_context_free(ctx);
    return 2;
  }
  g_option_context_free(ctx);
  if (stop_timeout < 1) {
    g_printerr("nvcf-streamer: --stop-timeout must be at least 1\n");
    return 2;
  }
  if (stop_timeout > kMaxStopTimeoutS) {
    g_printerr(
        "nvcf-streamer: --stop-timeout %d would break the 5 s "
        "shutdown bound; using %d\n",
        stop_timeout, kMaxStopTimeoutS);
    stop_timeout = kMaxStopTimeoutS;
  }
  l.stop_timeout_s = stop_timeout;
  /* The element's default comes from the environment, so a property in the
   * pipeline description still overrides it. */
  if (session_policy) {
    if (g_strcmp0(session_policy, "exit") && g_strcmp0(session_policy, "reuse")) {
      g_printerr("nvcf-streamer: --session-policy must be exit or reuse\n");
      return 2;
    }
    g_setenv("NVCF_SESSION_POLICY", session_policy, TRUE);
  } else if (!g_getenv("NVCF_SESSION_POLICY")) {
    g_setenv("NVCF_SESSION_POLICY", "exit", TRUE);
  }
  gst_nvcf_register();

  std::string text, origin;
  if (argc > 1) {
    if (pipeline_file) {
      g_printerr(
          "nvcf-streamer: give either --pipeline or a description, "
          "not both\n");
      return 2;
    }
    for (int i = 1; i < argc; i++)
      text += std::string(i > 1 ? " " : "") + argv[i];
    origin = "command line";
  } else {
    std::string name = pipeline_file ? pipeline_file : "default";
    origin = find_pipeline_file(name);
    if (origin.empty()) {
      g_printerr("nvcf-streamer: pipeline file \"%s\" not found\n", name.c_str());
      return 2;
    }
    gchar* contents = NULL;
    if (!g_file_get_contents(origin.c_str(), &contents, NULL, &error)) {
      g_printerr("nvcf-streamer: %s\n", error->message);
      g_clear_error(&error);
      return 2;
    }
    text = contents;
    g_free(contents);
  }

  std::string why;
  auto description = nvcf::prepare_pipeline(text, nvcf::process_env(), &why);
  if (!description) {
    g_printerr("nvcf-streamer: %s: %s\n", origin.c_str(), why.c_str());
    return 2;
  }
  if (description->empty()) {
    g_printerr("nvcf-streamer: %s: empty pipeline\n", origin.c_str());
    return 2;
  }
  if (print_only) {
    g_print("%s\n", description->c_str());
    return 0;
  }

  l.pipeline = gst_parse_launch(description->c_str(), &error);
  if (!l.pipeline || error) {
    g_printerr("nvcf-streamer: cannot build the pipeline from %s: %s\n", origin.c_str(),
               error ? error->message : "unknown error");
    g_clear_error(&error);
    if (l.pipeline)
      gst_object_unref(l.pipeline);
    return 1;
  }
  if (!GST_IS_PIPELINE(l.pipeline)) {
    GstElement* p = gst_pipeline_new(NULL);
    gst_bin_add(GST_BIN(p), l.pipeline);
    l.pipeline = p;
  }

  l.loop = g_main_loop_new(NULL, FALSE);
  GstBus* bus = gst_element_get_bus(l.pipeline);
  gst_bus_add_watch(bus, on_bus_message, &l);
  gst_object_unref(bus);
  g_unix_signal_add(SIGINT, on_signal, &l);
  g_unix_signal_add(SIGTERM, on_signal, &l);

  g_print("nvcf-streamer: running %s\n", origin.c_str());
  if (gst_element_set_state(l.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    /* The element posted the reason on the bus; show it. */
    GstMessage* msg = gst_bus_pop_filtered(GST_ELEMENT_BUS(l.pipeline), GST_MESSAGE_ERROR);
    if (msg) {
      on_bus_message(NULL, msg, &l);
      gst_message_unref(msg);
    } else {
      g_printerr("nvcf-streamer: the pipeline failed to start\n");
    }
    gst_element_set_state(l.pipeline, GST_STATE_NULL);
    gst_object_unref(l.pipeline);
    return 1;
  }
  print_ports(l.pipeline);
  g_main_loop_run(l.loop);

  /* Also bounds the stop after EOS from session-policy exit or an error. */
  l.watchdog.arm(l.exit_code);
  gst_element_set_state(l.pipeline, GST_STATE_NULL);
  l.watchdog.disarm();
  gst_object_unref(l.pipeline);
  g_main_loop_unref(l.loop);
  g_print("nvcf-streamer: stopped\n");
  return l.exit_code;
}
