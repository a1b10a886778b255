/* coturn on 127.0.0.1 for the real-peer tests: a free port (TCP and UDP),
 * a private directory, and either long-term credentials (user:password)
 * or the TURN REST scheme (use-auth-secret with a shared secret, as NVCF
 * rotates credentials): one fixed secret (Coturn::secret), or secrets in
 * coturn's database that add_secret and delete_secret change while it runs
 * (Coturn::rotating_secrets), as NVCF's cron job rotates them. */
#pragma once

#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "nvcfproc.h"
#include "nvcfws.h"

namespace nvcftest {

class Coturn {
 public:
  /* auth: coturn config lines, e.g. Coturn::user("u", "p") or
   * Coturn::secret("s"); relays: the relay port range "MIN-MAX". */
  static std::string user(const std::string& name, const std::string& password) {
    return "lt-cred-mech\nuser=" + name + ":" + password + "\n";
  }
  static std::string secret(const std::string& shared) {
    return "use-auth-secret\nstatic-auth-secret=" + shared + "\n";
  }
  /* Secrets from the database (userdb), read by coturn at each
   * authentication: set them with add_secret, before start or later. */
  static std::string rotating_secrets() { return "use-auth-secret\n"; }
  Coturn(std::string auth, std::string relays)
      : auth_(std::move(auth)), relays_(std::move(relays)) {}

  /* A port probed free can be taken before coturn binds it (other suites
   * run at the same time): a few tries, each on a new port. */
  bool start() {
    for (int attempt = 0; attempt < 3; attempt++) {
      if (start_once())
        return true;
      proc.reset();
    }
    return false;
  }
  unsigned port = 0;
  std::unique_ptr<Child> proc;
  std::string describe() const { return proc ? proc->describe() : "coturn not started"; }

  /* Adds or deletes a shared secret of the realm in coturn's database
   * (turnadmin); a running coturn uses the change at the next
   * authentication. Allocations made before keep working. */
  bool add_secret(const std::string& s) { return admin("-s", s); }
  bool delete_secret(const std::string& s) { return admin("-X", s); }
  /* The peer addresses coturn gave permissions to (its verbose log says
   * "peer <ip> lifetime updated" for each CreatePermission and
   * ChannelBind): where it relayed, or was asked to relay, media. */
  std::set<std::string> peers() const {
    static const std::regex re("peer ([0-9a-fA-F.:]+) lifetime updated");
    std::set<std::string> found;
    std::string log = proc ? proc->out() : "";
    for (std::sregex_iterator it(log.begin(), log.end(), re), end; it != end; ++it)
      found.insert((*it)[1]);
    return found;
  }

 private:
  bool start_once() {
    port = free_port();
    auto dash = relays_.find('-');
    std::ofstream f(dir_.file("turnserver.conf"));
    f << "listening-ip=127.0.0.1\nrelay-ip=127.0.0.1\nlistening-port=" << port
      << "\nmin-port=" << relays_.substr(0, dash) << "\nmax-port=" << relays_.substr(dash + 1)
      << "\n"
      << auth_ << "realm=nvcf.test\nallow-loopback-peers\nno-tls\nno-dtls\nno-cli\n"
      << "no-multicast-peers\n"
      /* verbose: permissions and channels in the log, for peers(). */
      << "verbose\nuserdb=" << dir_.file("turndb") << "\npidfile=" << dir_.file("turn.pid")
      << "\nlog-file=stdout\nsimple-log\n";
    f.close();
    proc = std::make_unique<Child>("coturn");
    proc->start({program("turnserver"), "-c", dir_.file("turnserver.conf")});
    return port && wait_until([&] { return tcp_accepts(port) || !proc->running(); }, 10000) &&
           proc->running();
  }
  /* turnadmin takes the secret on its command line only: never printed. */
  bool admin(const char* op, const std::string& secret) {
    Child c("turnadmin");
    c.set_secret_args({secret});
    if (!c.start({program("turnadmin"), "-r", "nvcf.test", "-b", dir_.file("turndb"), op, secret}))
      return false;
    return c.wait_exit_code(10000) == 0;
  }
  std::string auth_, relays_;
  TempDir dir_;
};

}  // namespace nvcftest
