/* The session registry of nvcfwebrtcsink: which viewers have a session,
 * starting, resuming, suspending and ending them, and who may resume.
 *
 * Threads: sessions are created, driven and destroyed on the service loop
 * thread only; webrtcbin's threads hop there with invoke_async and never
 * wait for it. on_request(), on_client_closed(), end_from_nvcf() run on the
 * loop thread (the servers' callbacks). end_all() must run there too (the
 * element uses invoke_sync from the application thread). stats(),
 * send_data(), owner_of() and counts() may be called from any thread,
 * webrtcbin's included: they never wait on the loop.
 *
 * lock_ guards sessions_ and signaller_. It is a leaf lock: never held
 * while calling into GStreamer, the signaller, the lifecycle or hooks. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/credentials.h"
#include "gstnvcfbitrate.h"
#include "gstnvcflifecycle.h"
#include "gstnvcfserviceloop.h"
#include "gstnvcfsession.h"
#include "gstnvcfsignaller.h"
#include "gstnvcfstreams.h"

struct GstNvcfSessionHooks {
  /* Copies of what sessions are configured from. */
  std::function<nvcf::Settings()> settings;
  std::function<std::optional<nvcf::Credentials>()> credentials;
  /* The element's signals; on the loop thread except data (webrtcbin's). */
  std::function<void(const std::string& id, const std::string& meta)> started;
  std::function<void(const std::string& id, const std::string& meta)> ended;
  std::function<void(const std::string& id, GstElement* webrtcbin)> webrtcbin_created;
  std::function<void(const std::string& id, const std::string& channel, const std::string& text)>
      data;
};

class GstNvcfSessionRegistry {
 public:
  GstNvcfSessionRegistry(GstElement* element, nvcf::ServiceLoop* loop, GstNvcfStreams* streams,
                         GstNvcfLifecycle* lifecycle, GstNvcfSessionHooks hooks);
  ~GstNvcfSessionRegistry();
  GstNvcfSessionRegistry(const GstNvcfSessionRegistry&) = delete;
  GstNvcfSessionRegistry& operator=(const GstNvcfSessionRegistry&) = delete;

  /* The signaller sessions talk through; NULL when the servers stop. */
  void set_signaller(GstNvcfSignaller* signaller);

  /* Loop thread: a client's request, and a client's socket closing. */
  void on_request(const GstNvcfClientInfo& client, const nvcf::SignallingRequest& rq);
  void on_client_closed(const GstNvcfClientInfo& client);
  /* Loop thread: POST /v1/streaming/endsession. The session's new state
   * (COMPLETE or AWAITING_RESUME), nullopt when key names none. */
  std::optional<std::string> end_from_nvcf(const std::string& key, bool graceful);
  /* Loop thread: end every session, telling each viewer reason. */
  void end_all(const std::string& reason);

  /* Any thread. The session whose webrtcbin holds obj ("" = none), and its
   * log label. */
  std::string owner_of(GstObject* obj, std::string* label) const;
  /* Any thread: a media error or failed connection inside session id. It
   * ends on the loop, after a grace for a client that may resume (its
   * socket may be about to close: the session then awaits the resume). */
  void media_error(const std::string& id, const std::string& reason);
  size_t count() const;
  /* Any thread; each session's webrtcbin statistics as a field of out,
   * waiting a bounded time for each. */
  void stats(GstStructure* out);
  /* Any thread, never blocks: text to one session (or all when id is
   * empty) on the control data channel. Whether a viewer got it. */
  bool send_data(const std::string& id, const std::string& text);

  struct Entry;

 private:
  void start(const GstNvcfClientInfo& client, const std::string& peer_meta);
  bool resume(const GstNvcfClientInfo& client, const std::string& identity);
  bool run(const std::string& id, const GstNvcfClientInfo& client);
  void end(const std::string& id, const std::string& reason, bool tell_client);
  bool suspend(const std::string& id);
  void with_session(const std::string& id, std::function<void(GstNvcfSession&)> fn);
  void changed();
  void watch_gathering(const std::string& id, GstNvcfSession* session);
  GstNvcfSessionConfig config_for(const std::string& id, const GstNvcfClientInfo& client);
  GstNvcfSessionCallbacks callbacks_for(const std::string& id, guint64 connection);
  void post(const char* name, const std::string& id, const GstNvcfClientInfo& client,
            const std::string& peer_meta);
  GstNvcfSignaller* signaller() const;

  GstElement* element_; /* not references: the element owns us */
  nvcf::ServiceLoop* loop_;
  GstNvcfStreams* streams_;
  GstNvcfLifecycle* lifecycle_;
  GstNvcfSessionHooks hooks_;
  /* The viewers' estimates to the shared encoder (its own lock). */
  std::unique_ptr<GstNvcfBitrate> bitrate_;

  mutable std::mutex lock_;
  std::map<std::string, std::unique_ptr<Entry>> sessions_; /* protected by lock_ */
  GstNvcfSignaller* signaller_ = nullptr;                  /* protected by lock_ */
};
