/* The warm-up: see gstnvcfwarmup.h. */
#include "gstnvcfwarmup.h"

#include <gst/gst.h>

#include <utility>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_warmup_debug);
#define GST_CAT_DEFAULT gst_nvcf_warmup_debug

namespace {

/* Never destroyed: the warm-up thread may outlive main's statics. */
GMutex lock; /* a leaf lock over the five below */
GCond finished_cond;
bool warming = false;  /* the thread was started */
bool warm = false;     /* done runs at once from now on */
bool finished = false; /* the thread has nothing left to do */
auto* waiting = new std::vector<std::function<void()>>;

/* What a session creates, by factory: making one loads its plugin and
 * sets its class up. dtlsdec first: it makes the process's certificate
 * (its init waits for it). A factory that is missing is skipped; sessions
 * then fail on their own, with the reason. */
constexpr const char* kFactories[] = {
    "dtlsdec",    "webrtcbin", "dtlssrtpenc", "dtlssrtpdec", "srtpenc",    "srtpdec",
    "sctpenc",    "sctpdec",   "nicesrc",     "nicesink",    "rtpbin",     "rtprtxsend",
    "rtpstorage", "rtpfunnel", "rtph264pay",  "rtpvp8pay",   "rtpopuspay",
};

gpointer warm_up(gpointer) {
  gint64 start = g_get_monotonic_time();
  for (const char* factory : kFactories)
    if (GstElement* e = gst_element_factory_make(factory, NULL))
      gst_object_unref(gst_object_ref_sink(e));
    else
      GST_INFO("no %s element to warm up", factory);
  GST_INFO("warm after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time() - start) / 1000);
  std::vector<std::function<void()>> done;
  g_mutex_lock(&lock);
  warm = true;
  done.swap(*waiting);
  g_mutex_unlock(&lock);
  for (auto& f : done)
    f();
  g_mutex_lock(&lock);
  finished = true;
  g_cond_broadcast(&finished_cond);
  g_mutex_unlock(&lock);
  return NULL;
}

}  // namespace

void gst_nvcf_warmup(std::function<void()> done) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_warmup_debug, "nvcfwarmup", 0, "NVCF warm-up");
    g_once_init_leave(&once, 1);
  }
  g_mutex_lock(&lock);
  if (!warm) {
    waiting->push_back(std::move(done));
    if (!warming) {
      warming = true;
      g_thread_unref(g_thread_new("nvcf-warmup", warm_up, NULL));
    }
    g_mutex_unlock(&lock);
    return;
  }
  g_mutex_unlock(&lock);
  done();
}

bool gst_nvcf_warmup_wait(gint64 timeout_us) {
  gint64 end = g_get_monotonic_time() + timeout_us;
  g_mutex_lock(&lock);
  while (warming && !finished)
    if (!g_cond_wait_until(&finished_cond, &lock, end))
      break;
  bool done = finished || !warming;
  g_mutex_unlock(&lock);
  return done;
}
