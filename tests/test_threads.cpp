/* The thread rules of README.md, "Architecture", against the real thing.
 *
 * Defect 2: data-received is emitted on webrtcbin's own thread. A handler
 * answering with send-data while another thread reads "stats" (or reading
 * stats itself) once deadlocked: send-data waited on the service loop while
 * the loop waited on a get-stats promise that only that webrtcbin thread
 * could answer. A werift viewer chats on the data channel here; a watchdog
 * fails the binary when anything hangs.
 *
 * And references held across a loop hop are released even when the
 * stopped loop drops the closure unrun (weak references prove it). */
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "gstnvcfserviceloop.h"
#include "gstnvcfsignaller.h"
#include "nvcftest.h"
#include "nvcfproc.h"

using nvcftest::Streamer;

namespace {

constexpr const char* kSource =
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1";
constexpr const char* kProps = "ice-addresses=127.0.0.1 resume-timeout=0 video-encoder=x264enc";

std::string signalling(Streamer& s) {
  return "ws://127.0.0.1:" + std::to_string(s.streaming_port()) + "/sign_in";
}

/* Whether a weakly referenced object was finalized. */
struct Finalized {
  std::atomic<bool> done{false};
  void watch(gpointer object) {
    g_object_weak_ref(
        G_OBJECT(object),
        [](gpointer data, GObject*) { static_cast<Finalized*>(data)->done = true; }, this);
  }
};

/* What the data-received handlers did. */
struct Chat {
  std::atomic<int> received{0};
  std::atomic<int> answered{0};
  std::atomic<int> stats_read{0};
  std::atomic<gint64> slowest_stats_us{0};
  std::atomic<bool> read_stats{false};  // the handler reads stats itself
  std::atomic<int> busy_ms{0};          // and then sleeps this long

  static void on_data(GstElement* sink, const gchar* id, const gchar*, const gchar*,
                      gpointer data) {
    auto* chat = static_cast<Chat*>(data);
    chat->received++;
    if (chat->read_stats) {
      gint64 t0 = g_get_monotonic_time();
      GstStructure* st = nullptr;
      g_object_get(sink, "stats", &st, NULL);
      gint64 took = g_get_monotonic_time() - t0;
      if (took > chat->slowest_stats_us)
        chat->slowest_stats_us = took;
      if (st) {
        chat->stats_read++;
        gst_structure_free(st);
      }
    }
    gboolean sent = FALSE;
    g_signal_emit_by_name(sink, "send-data", id, R"({"app":"pong"})", &sent);
    if (sent)
      chat->answered++;
    if (chat->busy_ms)
      g_usleep(G_USEC_PER_SEC / 1000 * (chat->busy_ms));
  }
};

/* Reads the sink's stats in a loop on its own thread. */
struct StatsReader {
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::thread thread;
  explicit StatsReader(GstElement* sink)
      : thread([this, sink] {
          while (!stop) {
            GstStructure* st = nullptr;
            g_object_get(sink, "stats", &st, NULL);
            if (st)
              gst_structure_free(st);
            reads++;
          }
        }) {}
  ~StatsReader() {
    stop = true;
    thread.join();
  }
};

class ThreadsPeer : public ::testing::Test {
 protected:
  void SetUp() override { nvcftest::init(); }

  /* A werift viewer chatting on the control channel until it had `replies`
   * answers; returns its result line. Every candidate it signalled is on
   * loopback: the streamer sends ICE checks nowhere else. */
  std::string chat(Streamer& s, int replies, int timeout_s = 40) {
    nvcftest::RemoteCandidates remote(s.sink());
    /* The chatter does not retry a refused session: before readiness
     * (the warm-up's DTLS key, up to seconds) it would be refused. */
    if (!nvcftest::wait_until([&] { return s.ready_state() == "ready"; }, 30000, 20))
      ADD_FAILURE() << "the streamer never became ready: " << s.ready_state();
    nvcftest::Child viewer("viewer");
    viewer.start({nvcftest::program("node"), nvcftest::e2e_path("werift-chatter.mjs"),
                  "--signalling", signalling(s), "--replies", std::to_string(replies), "--timeout",
                  std::to_string(timeout_s)});
    std::string r = viewer.json((timeout_s + 10) * 1000).text();
    if (r.find("\"ok\":true") == std::string::npos)
      ADD_FAILURE() << "viewer: " << r << "\nstderr: " << viewer.err();
    std::vector<std::string> addresses = remote.addresses();
    EXPECT_FALSE(addresses.empty()) << "the session was given no remote candidate";
    for (const auto& a : addresses)
      EXPECT_EQ(a.rfind("127.", 0), 0u) << "a remote candidate off loopback: " << a;
    return r;
  }
};

}  // namespace

/* A handler answers every message with send-data while another thread
 * reads stats without pause: neither may wait for the other. */
TEST_F(ThreadsPeer, SendDataWhileStatsAreRead) {
  PEERS_REQUIRE({"ws", "werift"});
  nvcftest::Watchdog dog("send-data from data-received while stats are read", 90);
  /* Declared first: it must outlive the pipeline, whose threads call it. */
  Chat chat_state;
  Streamer s(kProps, kSource);
  g_signal_connect(s.sink(), "data-received", G_CALLBACK(Chat::on_data), &chat_state);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  {
    StatsReader reader(s.sink());
    chat(s, 300);
    EXPECT_GT(reader.reads.load(), 10);
  }
  EXPECT_GE(chat_state.answered.load(), 300);
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
}

/* The handler reads stats itself (on webrtcbin's thread, which answers
 * get-stats): it gets them at once, its own session's left out, and never
 * waits out the bound. */
TEST_F(ThreadsPeer, StatsFromDataReceived) {
  PEERS_REQUIRE({"ws", "werift"});
  nvcftest::Watchdog dog("stats read from data-received", 90);
  /* Declared first: it must outlive the pipeline, whose threads call it. */
  Chat chat_state;
  Streamer s(kProps, kSource);
  chat_state.read_stats = true;
  g_signal_connect(s.sink(), "data-received", G_CALLBACK(Chat::on_data), &chat_state);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  {
    StatsReader reader(s.sink());
    chat(s, 100);
  }
  EXPECT_GE(chat_state.stats_read.load(), 100);
  EXPECT_LT(chat_state.slowest_stats_us.load(), 1000000)
      << "stats waited for webrtcbin's own thread";
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
}

/* The pipeline stops while a handler is busy inside data-received
 * (send-data, stats, a pause): the loop tears the session down, joining
 * webrtcbin's threads, and the handler's calls never wait on the loop. */
TEST_F(ThreadsPeer, TeardownWhileHandlerBusy) {
  PEERS_REQUIRE({"ws", "werift"});
  nvcftest::Watchdog dog("teardown during a busy data-received handler", 90);
  /* Declared first: it must outlive the pipeline, whose threads call it. */
  Chat chat_state;
  Streamer s(kProps, kSource);
  chat_state.read_stats = true;
  chat_state.busy_ms = 30;
  g_signal_connect(s.sink(), "data-received", G_CALLBACK(Chat::on_data), &chat_state);
  ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
  nvcftest::Child viewer("viewer");
  viewer.start({nvcftest::program("node"), nvcftest::e2e_path("werift-chatter.mjs"), "--signalling",
                signalling(s), "--replies", "1000000", "--timeout", "60"});
  ASSERT_TRUE(nvcftest::wait_until([&] { return chat_state.answered > 20; }, 30000))
      << "no chat: " << viewer.err();
  StatsReader reader(s.sink());
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(s.set_state(GST_STATE_NULL));
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(took).count(), 8);
  int before = chat_state.received;
  g_usleep(G_USEC_PER_SEC / 1000 * (300));
  EXPECT_EQ(chat_state.received.load(), before) << "data-received after the session was torn down";
}

/* ------------------------------------------------------- closure lifetime */

/* A closure queued on a stopped loop is destroyed unrun, and what it holds
 * is released. */
TEST(ThreadsLoop, DroppedClosureReleasesItsHolder) {
  nvcftest::init();
  nvcf::ServiceLoop loop;
  loop.start("test-loop");
  loop.stop();
  GObject* object = G_OBJECT(g_object_new(G_TYPE_OBJECT, NULL));
  Finalized gone;
  gone.watch(object);
  bool ran = false;
  EXPECT_FALSE(loop.invoke_async([&ran, ref = nvcf::GstRef(object)] { ran = true; }));
  g_object_unref(object);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(gone.done) << "the dropped closure kept its reference";
}

/* A signaller whose loop stopped under it drops what it is asked to send,
 * and still finalizes: the reference taken for the hop went with the
 * closure. */
TEST(ThreadsLoop, SignallerFinalizesAfterDroppedSend) {
  nvcftest::init();
  nvcf::ServiceLoop loop;
  loop.start("test-loop");
  GstNvcfSignaller* sig = gst_nvcf_signaller_new("signaller", GstNvcfSignallerDelegate());
  GstNvcfSignallerSettings settings;
  settings.address = "127.0.0.1";
  settings.port = 0;
  settings.endpoint = "/sign_in";
  settings.producer_id = "producer";
  GError* error = nullptr;
  ASSERT_TRUE(gst_nvcf_signaller_start(sig, &loop, settings, &error))
      << (error ? error->message : "");
  Finalized gone;
  gone.watch(sig);
  loop.stop();
  gst_nvcf_signaller_send(sig, 1,
                          [](nvcf::SignallingConnection&) { return std::vector<std::string>(); });
  gst_nvcf_signaller_close(sig, 1, 1000, "bye");
  gst_nvcf_signaller_stop(sig);
  gst_object_unref(sig);
  EXPECT_TRUE(gone.done) << "a send queued on the stopped loop leaked the signaller";
}

/* Every pad ends (the drain hop to the loop) as the element goes to NULL:
 * whether the loop ran the hop or dropped it, the element finalizes. */
TEST(ThreadsLoop, ElementFinalizesAfterDrainRacesStop) {
  nvcftest::init();
  for (int i = 0; i < 20; i++) {
    Finalized gone;
    {
      Streamer s("", "videotestsrc is-live=true num-buffers=2 ! video/x-raw,width=64,height=48");
      gone.watch(s.sink());
      ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
      g_usleep(G_USEC_PER_SEC / 1000 * (i * 5));
      ASSERT_TRUE(s.set_state(GST_STATE_NULL));
    }
    EXPECT_TRUE(gone.done) << "round " << i << ": the element leaked";
  }
}
