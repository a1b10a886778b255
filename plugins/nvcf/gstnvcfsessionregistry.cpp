/* The session registry: see gstnvcfsessionregistry.h. A session whose
 * client drops without ending it waits resume-timeout for the same client
 * identity to come back; its media branch is rebuilt then (a fresh
 * webrtcbin and negotiation) while the pipeline runs on. */
#include "gstnvcfsessionregistry.h"

#include "core/ice.h"
#include "core/identity.h"

#include <tuple>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(gst_nvcf_registry_debug);
#define GST_CAT_DEFAULT gst_nvcf_registry_debug

/* A viewer's session and the signalling client that owns it. Every field
 * is protected by the registry's lock_ while the entry is in sessions_;
 * the loop thread alone adds, changes and erases entries. */
struct GstNvcfSessionRegistry::Entry {
  GstNvcfClientInfo client; /* connection 0 while awaiting resume */
  std::string identity;     /* who may resume it; "" = nobody */
  std::string peer_meta;    /* the viewer's meta (JSON text), for signals */
  /* Shared so stats() and send_data() on other threads keep it alive while
   * the loop ends the session. */
  std::shared_ptr<GstNvcfSession> session;
  bool awaiting_resume = false;
  GSource* resume_timer = nullptr; /* on the service loop */

  void cancel_resume_timer() {
    if (resume_timer) {
      g_source_destroy(resume_timer);
      g_source_unref(resume_timer);
      resume_timer = nullptr;
    }
  }
};

namespace {

std::string session_label(const std::string& id, const GstNvcfClientInfo& c) {
  return "session " + id + " request " +
         (c.identity.request_id.empty() ? "-" : c.identity.request_id);
}

/* Keeps the element (and so this registry) alive across an async hop,
 * whether the closure runs or the stopped loop drops it. */
using ElementRef = nvcf::GstRef;

}  // namespace

GstNvcfSessionRegistry::GstNvcfSessionRegistry(GstElement* element, nvcf::ServiceLoop* loop,
                                               GstNvcfStreams* streams, GstNvcfLifecycle* lifecycle,
                                               GstNvcfSessionHooks hooks)
    : element_(element),
      loop_(loop),
      streams_(streams),
      lifecycle_(lifecycle),
      hooks_(std::move(hooks)),
      bitrate_(std::make_unique<GstNvcfBitrate>(element, loop, streams, hooks_.settings)) {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    GST_DEBUG_CATEGORY_INIT(gst_nvcf_registry_debug, "nvcfregistry", 0, "NVCF session registry");
    g_once_init_leave(&once, 1);
  }
}

GstNvcfSessionRegistry::~GstNvcfSessionRegistry() = default;

void GstNvcfSessionRegistry::set_signaller(GstNvcfSignaller* signaller) {
  std::lock_guard<std::mutex> lock(lock_);
  signaller_ = signaller;
}

GstNvcfSignaller* GstNvcfSessionRegistry::signaller() const {
  std::lock_guard<std::mutex> lock(lock_);
  return signaller_;
}

size_t GstNvcfSessionRegistry::count() const {
  std::lock_guard<std::mutex> lock(lock_);
  return sessions_.size();
}

void GstNvcfSessionRegistry::changed() {
  unsigned active = 0, waiting = 0;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [id, e] : sessions_)
      (e->awaiting_resume ? waiting : active)++;
  }
  lifecycle_->sessions_changed(active, waiting);
}

void GstNvcfSessionRegistry::post(const char* name, const std::string& id,
                                  const GstNvcfClientInfo& client, const std::string& peer_meta) {
  gst_element_post_message(
      element_, gst_message_new_element(
                    GST_OBJECT(element_),
                    gst_structure_new(name, "session-id", G_TYPE_STRING, id.c_str(), "peer-id",
                                      G_TYPE_STRING, client.peer_id.c_str(), "request-id",
                                      G_TYPE_STRING, client.identity.request_id.c_str(),
                                      "peer-meta", G_TYPE_STRING, peer_meta.c_str(), NULL)));
}

/* End one session: tell its client (unless the client ended it or is
 * gone), free the webrtcbin, update readiness. */
void GstNvcfSessionRegistry::end(const std::string& id, const std::string& reason,
                                 bool tell_client) {
  std::unique_ptr<Entry> entry;
  GstNvcfSignaller* sig;
  {
    std::lock_guard<std::mutex> lock(lock_);
    auto it = sessions_.find(id);
    if (it == sessions_.end())
      return;
    entry = std::move(it->second);
    sessions_.erase(it);
    sig = signaller_;
  }
  entry->cancel_resume_timer();
  GST_INFO_OBJECT(element_, "[%s] ending%s%s", session_label(id, entry->client).c_str(),
                  reason.empty() ? "" : ": ", reason.c_str());
  if (tell_client && sig && !entry->awaiting_resume)
    gst_nvcf_signaller_send(sig, entry->client.connection,
                            [id, reason](nvcf::SignallingConnection& c) {
                              std::vector<std::string> frames;
                              if (!reason.empty())
                                frames = c.error(reason);
                              for (auto& f : c.end_session(id))
                                frames.push_back(f);
                              return frames;
                            });
  if (entry->session)
    entry->session->stop();
  bitrate_->report(id, std::nullopt);
  changed();
  hooks_.ended(id, entry->peer_meta);
  post("nvcf-session-ended", id, entry->client, entry->peer_meta);
}

void GstNvcfSessionRegistry::end_all(const std::string& reason) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [id, e] : sessions_)
      ids.push_back(id);
  }
  for (auto& id : ids)
    end(id, reason, true);
}

/* The client is gone but may come back: keep the media for
 * resume-timeout. Returns false when the session cannot wait (no
 * identity, resume disabled), and it is then left to the caller. */
bool GstNvcfSessionRegistry::suspend(const std::string& id) {
  guint timeout_s = hooks_.settings().resume_timeout_s;
  std::string label;
  {
    std::lock_guard<std::mutex> lock(lock_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || timeout_s == 0 || it->second->identity.empty())
      return false;
    Entry& e = *it->second;
    if (e.awaiting_resume)
      return true;
    e.awaiting_resume = true;
    e.client.connection = 0;
    label = session_label(id, e.client);
    e.resume_timer = g_timeout_source_new_seconds(timeout_s);
    struct Timeout {
      ElementRef ref;
      GstNvcfSessionRegistry* self;
      std::string id;
    };
    auto* data = new Timeout{ElementRef(element_), this, id};
    g_source_set_callback(
        e.resume_timer,
        [](gpointer d) -> gboolean {
          auto* t = static_cast<Timeout*>(d);
          {
            std::lock_guard<std::mutex> lock(t->self->lock_);
            auto it = t->self->sessions_.find(t->id);
            if (it != t->self->sessions_.end()) {
              /* This source is being dispatched: drop our handle only. */
              g_source_unref(it->second->resume_timer);
              it->second->resume_timer = nullptr;
            }
          }
          t->self->end(t->id, "resume timeout", false);
          return G_SOURCE_REMOVE;
        },
        data, [](gpointer d) { delete static_cast<Timeout*>(d); });
    g_source_attach(e.resume_timer, loop_->context());
  }
  GST_INFO_OBJECT(element_, "[%s] client gone; awaiting resume for %u s", label.c_str(), timeout_s);
  changed();
  return true;
}

/* Run fn on the loop thread with the session, if it still exists. */
void GstNvcfSessionRegistry::with_session(const std::string& id,
                                          std::function<void(GstNvcfSession&)> fn) {
  loop_->invoke_async([this, ref = ElementRef(element_), id, fn = std::move(fn)] {
    std::shared_ptr<GstNvcfSession> session;
    {
      std::lock_guard<std::mutex> lock(lock_);
      auto it = sessions_.find(id);
      if (it != sessions_.end())
        session = it->second->session;
    }
    if (session)
      fn(*session);
  });
}

/* How long a failed session of a client that may resume waits for that
 * client's socket to close. A viewer that goes away closes its peer
 * connection and its socket together; the failure (SCTP abort, DTLS or ICE
 * errors) often arrives first, sooner still when a gateway relays the
 * socket, and ending the session at once would leave nothing to resume. */
constexpr guint kFailureGraceMs = 2000;

void GstNvcfSessionRegistry::media_error(const std::string& id, const std::string& reason) {
  loop_->invoke_async([this, ref = ElementRef(element_), id, reason] {
    GstNvcfSession* failed = nullptr;
    bool resumable = false;
    std::string label;
    {
      std::lock_guard<std::mutex> lock(lock_);
      auto it = sessions_.find(id);
      /* A session awaiting its client gets a new webrtcbin on resume
       * anyway. */
      if (it == sessions_.end() || it->second->awaiting_resume)
        return;
      failed = it->second->session.get();
      label = session_label(id, it->second->client);
      resumable = !it->second->identity.empty() && hooks_.settings().resume_timeout_s > 0;
    }
    if (!resumable) {
      end(id, reason, true);
      return;
    }
    GST_INFO_OBJECT(element_, "[%s] %s; ending in %u ms unless its client is gone", label.c_str(),
                    reason.c_str(), kFailureGraceMs);
    struct Grace {
      ElementRef ref;
      GstNvcfSessionRegistry* self;
      std::string id, reason;
      GstNvcfSession* session;
    };
    GSource* timer = g_timeout_source_new(kFailureGraceMs);
    g_source_set_callback(
        timer,
        [](gpointer data) -> gboolean {
          auto* g = static_cast<Grace*>(data);
          bool same = false;
          {
            std::lock_guard<std::mutex> lock(g->self->lock_);
            auto it = g->self->sessions_.find(g->id);
            /* The client still there, on the same webrtcbin? */
            same = it != g->self->sessions_.end() && it->second->session.get() == g->session &&
                   !it->second->awaiting_resume;
          }
          if (same)
            g->self->end(g->id, g->reason, true);
          return G_SOURCE_REMOVE;
        },
        new Grace{ElementRef(element_), this, id, reason, failed},
        [](gpointer data) { delete static_cast<Grace*>(data); });
    g_source_attach(timer, loop_->context());
    g_source_unref(timer);
  });
}

/* Whether what feeds the element is live, from a latency query upstream of
 * its first pad; live when nothing answers (the case this is made for). */
static bool upstream_live(GstElement* element) {
  bool live = true;
  GstIterator* it = gst_element_iterate_sink_pads(element);
  GValue v = G_VALUE_INIT;
  if (gst_iterator_next(it, &v) == GST_ITERATOR_OK) {
    GstQuery* q = gst_query_new_latency();
    gboolean is_live = TRUE;
    if (gst_pad_peer_query(GST_PAD(g_value_get_object(&v)), q)) {
      gst_query_parse_latency(q, &is_live, NULL, NULL);
      live = is_live;
    }
    gst_query_unref(q);
    g_value_unset(&v);
  }
  gst_iterator_free(it);
  return live;
}

/* The ICE configuration from the current settings and credentials. */
GstNvcfSessionConfig GstNvcfSessionRegistry::config_for(const std::string& id,
                                                        const GstNvcfClientInfo& client) {
  nvcf::Settings s = hooks_.settings();
  GstNvcfSessionConfig config;
  config.id = id;
  config.label = session_label(id, client);
  nvcf::IceServers servers =
      nvcf::ice_servers(hooks_.credentials(), s.creds_use, s.stun_server, s.turn_server);
  config.stun_server = servers.stun;
  config.turn_server = servers.turn;
  config.port_range = s.port_range;
  config.ice_tcp = s.ice_tcp;
  config.relay_only = s.ice_transport_policy == nvcf::IceTransportPolicy::Relay;
  config.ice_addresses = s.ice_address_list();
  config.live = upstream_live(element_);
  config.playout_delay = s.playout_delay;
  config.playout_delay_max_ms = s.playout_delay_max_ms;
  config.lip_sync = s.lip_sync;
  config.congestion_control = s.congestion_control;
  if (s.congestion_control)
    config.bitrate_limits = bitrate_->limits(&config.start_kbps);
  return config;
}

/* What a session reports, each on webrtcbin's threads: hop to the loop
 * with invoke_async, never wait for it. */
GstNvcfSessionCallbacks GstNvcfSessionRegistry::callbacks_for(const std::string& id, guint64 conn) {
  GstNvcfSignaller* sig = signaller();
  GstNvcfSessionCallbacks cb;
  cb.offer = [sig, conn, id](const std::string& sdp) {
    gst_nvcf_signaller_send(
        sig, conn, [id, sdp](nvcf::SignallingConnection& c) { return c.send_offer(id, sdp); });
  };
  cb.ice = [sig, conn, id](const nvcf::IceCandidate& ice) {
    gst_nvcf_signaller_send(
        sig, conn, [id, ice](nvcf::SignallingConnection& c) { return c.send_ice(id, ice); });
  };
  cb.failed = [this, id](const std::string& reason) { media_error(id, reason); };
  cb.connected = [this, id] { with_session(id, [](GstNvcfSession& s) { s.request_key_unit(); }); };
  cb.upstream = [this](const std::string& mid, GstEvent* ev) {
    return streams_->send_upstream(mid, ev);
  };
  cb.data = [this, id](const std::string& channel, const std::string& text) {
    hooks_.data(id, channel, text);
  };
  cb.estimate = [this, id](unsigned kbps) { bitrate_->report(id, kbps); };
  return cb;
}

/* libnice gathers nothing, and never completes, when every port of the
 * range is taken: a session with no local candidate after a few seconds
 * cannot work, so it ends with a reason for its viewer. */
void GstNvcfSessionRegistry::watch_gathering(const std::string& id, GstNvcfSession* session) {
  constexpr guint kGatherTimeoutS = 5;
  GSource* timer = g_timeout_source_new_seconds(kGatherTimeoutS);
  struct Watch {
    ElementRef ref;
    GstNvcfSessionRegistry* self;
    std::string id, range;
    GstNvcfSession* session;
  };
  auto* w =
      new Watch{ElementRef(element_), this, id, hooks_.settings().port_range.to_string(), session};
  g_source_set_callback(
      timer,
      [](gpointer data) -> gboolean {
        auto* w = static_cast<Watch*>(data);
        bool same = false;
        {
          std::lock_guard<std::mutex> lock(w->self->lock_);
          auto it = w->self->sessions_.find(w->id);
          /* Still the same webrtcbin (not replaced by a resume)? */
          same = it != w->self->sessions_.end() && it->second->session.get() == w->session &&
                 !it->second->awaiting_resume;
        }
        /* Only the loop destroys sessions, and this runs on it. */
        if (same && w->session->local_candidates() == 0)
          w->self->end(
              w->id,
              "no local ICE candidate: no free UDP port in " + w->range + " or no usable address",
              true);
        return G_SOURCE_REMOVE;
      },
      w, [](gpointer data) { delete static_cast<Watch*>(data); });
  g_source_attach(timer, loop_->context());
  g_source_unref(timer);
}

/* Give session id a fresh webrtcbin for client and start negotiating. */
bool GstNvcfSessionRegistry::run(const std::string& id, const GstNvcfClientInfo& client) {
  auto session = std::make_shared<GstNvcfSession>(GST_BIN(element_), config_for(id, client),
                                                  callbacks_for(id, client.connection));
  GstNvcfSignaller* sig;
  {
    std::lock_guard<std::mutex> lock(lock_);
    auto it = sessions_.find(id);
    if (it == sessions_.end())
      return false;
    it->second->session = session;
    sig = signaller_;
  }
  gst_nvcf_signaller_send(sig, client.connection,
                          [id](nvcf::SignallingConnection& c) { return c.accept_session(id); });
  std::string error;
  if (!session->start(streams_->taps(), &error)) {
    end(id, "cannot start the session: " + error, true);
    return false;
  }
  hooks_.webrtcbin_created(id, session->webrtcbin());
  session->send_stream_caps();
  watch_gathering(id, session.get());
  return true;
}

/* A returning client: same session id, new connection, new webrtcbin.
 * Also when the old connection still looks open: a client that comes back
 * at once after a drop may be seen before its old socket's close, and a
 * network failure leaves that socket open with no FIN at all. NVCF may
 * route several connections of one request id here; the newest takes the
 * session and the older is closed. */
bool GstNvcfSessionRegistry::resume(const GstNvcfClientInfo& client, const std::string& identity) {
  std::string id, peer_meta;
  std::shared_ptr<GstNvcfSession> old;
  guint64 superseded = 0; /* the older connection still holding it */
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [sid, e] : sessions_)
      if (e->identity == identity &&
          (e->awaiting_resume || e->client.connection != client.connection)) {
        id = sid;
        if (e->awaiting_resume)
          e->cancel_resume_timer();
        else
          superseded = e->client.connection;
        e->awaiting_resume = false;
        e->client = client;
        peer_meta = e->peer_meta;
        old = std::move(e->session);
        break;
      }
  }
  if (id.empty())
    return false;
  GST_INFO_OBJECT(element_, "[%s] resumed by peer %s%s", session_label(id, client).c_str(),
                  client.peer_id.c_str(),
                  superseded ? ", taken from its older connection, still open" : "");
  if (superseded)
    if (GstNvcfSignaller* sig = signaller())
      gst_nvcf_signaller_close(sig, superseded, 1000, "the session resumed on a newer connection");
  if (old)
    old->stop();
  changed();
  if (run(id, client))
    post("nvcf-session-resumed", id, client, peer_meta);
  return true;
}

void GstNvcfSessionRegistry::start(const GstNvcfClientInfo& client, const std::string& peer_meta) {
  GstNvcfSignaller* sig = signaller();
  auto refuse = [&](const std::string& reason) {
    GST_WARNING_OBJECT(
        element_, "[peer %s request %s] session refused: %s", client.peer_id.c_str(),
        client.identity.request_id.empty() ? "-" : client.identity.request_id.c_str(),
        reason.c_str());
    gst_nvcf_signaller_send(sig, client.connection, [reason](nvcf::SignallingConnection& c) {
      return c.refuse_session(reason);
    });
  };

  std::string identity = nvcf::resume_key(client.identity);
  if (!identity.empty() && resume(client, identity))
    return;

  std::string refusal;
  nvcf::ReadyState st = lifecycle_->state();
  if (st == nvcf::ReadyState::Busy || st == nvcf::ReadyState::AwaitingResume)
    refusal = "the streamer is busy: all " + std::to_string(hooks_.settings().max_sessions) +
              " sessions (max-sessions) are in use";
  else if (st != nvcf::ReadyState::Ready)
    refusal = std::string("the streamer is not ready (") + nvcf::Readiness::name(st) + ")";
  if (refusal.empty() && streams_->taps().empty())
    refusal = "no media is flowing yet; try again";
  if (!refusal.empty()) {
    refuse(refusal);
    return;
  }

  gchar* uuid = g_uuid_string_random();
  std::string id = uuid;
  g_free(uuid);
  {
    std::lock_guard<std::mutex> lock(lock_);
    auto e = std::make_unique<Entry>();
    e->client = client;
    e->identity = identity;
    e->peer_meta = peer_meta;
    sessions_[id] = std::move(e);
  }
  changed();
  GST_INFO_OBJECT(element_, "[%s] starting for peer %s%s", session_label(id, client).c_str(),
                  client.peer_id.c_str(),
                  identity.empty() ? " (cannot resume: no client identity)" : "");
  if (!run(id, client))
    return;
  hooks_.started(id, peer_meta);
  post("nvcf-session-started", id, client, peer_meta);
}

void GstNvcfSessionRegistry::on_request(const GstNvcfClientInfo& client,
                                        const nvcf::SignallingRequest& rq) {
  using Kind = nvcf::SignallingRequest::Kind;
  switch (rq.kind) {
    case Kind::StartSession:
      start(client, rq.peer_meta);
      break;
    case Kind::RemoteAnswer: {
      std::string sdp = rq.sdp;
      with_session(rq.session_id, [sdp](GstNvcfSession& s) { s.set_remote_answer(sdp); });
      break;
    }
    case Kind::RemoteIce: {
      nvcf::IceCandidate ice = rq.ice;
      with_session(rq.session_id, [ice](GstNvcfSession& s) { s.add_remote_ice(ice); });
      break;
    }
    case Kind::EndSession:
      end(rq.session_id, "", false);
      break;
  }
}

/* A client's socket closed without ending its sessions: they wait for a
 * resume when the client can be recognised, else they end. */
void GstNvcfSessionRegistry::on_client_closed(const GstNvcfClientInfo& client) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [id, e] : sessions_)
      if (!e->awaiting_resume && e->client.connection == client.connection)
        ids.push_back(id);
  }
  for (auto& id : ids)
    if (!suspend(id))
      end(id, "", false);
}

std::optional<std::string> GstNvcfSessionRegistry::end_from_nvcf(const std::string& key,
                                                                 bool graceful) {
  std::string id, label;
  guint64 conn = 0;
  GstNvcfSignaller* sig;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [sid, e] : sessions_)
      if (sid == key || (!key.empty() && e->client.identity.request_id == key)) {
        id = sid;
        label = session_label(sid, e->client);
        conn = e->client.connection;
        break;
      }
    sig = signaller_;
  }
  if (id.empty())
    return std::nullopt;
  /* Logged here, not by the control server: only we know both ids. */
  GST_INFO_OBJECT(element_, "[%s] endsession from NVCF (%s)", label.c_str(),
                  graceful ? "graceful" : "not graceful");
  if (!graceful && suspend(id)) {
    if (conn && sig)
      gst_nvcf_signaller_close(sig, conn, 1000, "session suspended: reconnect to resume");
    return std::string("AWAITING_RESUME");
  }
  end(id, graceful ? "ended by NVCF" : "", true);
  return std::string("COMPLETE");
}

std::string GstNvcfSessionRegistry::owner_of(GstObject* obj, std::string* label) const {
  struct Candidate {
    std::string id, label;
    std::shared_ptr<GstNvcfSession> session;
  };
  std::vector<Candidate> list;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [id, e] : sessions_)
      if (e->session)
        list.push_back({id, session_label(id, e->client), e->session});
  }
  /* owns() takes the session's lock: not under ours. */
  for (auto& c : list)
    if (c.session->owns(obj)) {
      if (label)
        *label = c.label;
      return c.id;
    }
  return "";
}

void GstNvcfSessionRegistry::stats(GstStructure* out) {
  std::vector<std::pair<std::string, std::shared_ptr<GstNvcfSession>>> list;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [id, e] : sessions_)
      if (e->session)
        list.emplace_back(id, e->session);
  }
  for (auto& [id, session] : list)
    if (GstStructure* st = session->stats()) {
      gst_structure_set(out, id.c_str(), GST_TYPE_STRUCTURE, st, NULL);
      gst_structure_free(st);
    }
}

bool GstNvcfSessionRegistry::send_data(const std::string& id, const std::string& text) {
  std::vector<std::shared_ptr<GstNvcfSession>> targets;
  {
    std::lock_guard<std::mutex> lock(lock_);
    for (auto& [sid, e] : sessions_)
      if (e->session && (id.empty() || id == sid))
        targets.push_back(e->session);
  }
  bool sent = false;
  for (auto& session : targets)
    sent |= session->send_data(text);
  return sent;
}
