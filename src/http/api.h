#pragma once
// Api: the whole HTTP surface as plain request -> response functions (Beast-free). It decides
// which lane a request runs on: verification and health checks answer on the I/O thread that
// read them; management calls run on the management thread, where store I/O happens, so that
// an fsync never stalls verification.
// Thread-safety: IsManagement and Handle for inline requests may run on any thread; management
// requests must be handled on the (single) management thread.

#include <atomic>
#include <mutex>

#include "http/console.h"
#include "http/gateway_endpoint.h"
#include "http/management_api.h"
#include "http/message.h"
#include "http/verify_endpoint.h"
#include "index/key_index.h"

namespace latchkey::http {

class Api {
 public:
  // `console` may be null: no web console (its paths answer 404).
  Api(const VerifyEndpoint& verify, const GatewayEndpoint& gateway, ManagementApi& management,
      const index::KeyIndex& index, const Console* console = nullptr)
      : verify_(verify),
        gateway_(gateway),
        management_(management),
        index_(index),
        console_(console) {}

  bool IsManagement(const ApiRequest& request) const;
  ApiResponse Handle(const ApiRequest& request);

  // /readyz answers 200 only while ready, not draining and the store answers.
  void SetReady(bool ready) { ready_.store(ready); }
  void SetDraining() { draining_.store(true); }
  // Whether the store answers (told by the change feed of a shared store): while it does not,
  // /readyz answers 503 so that a load balancer can prefer other nodes, though verification goes
  // on from memory here.
  void SetStoreAvailable(bool available) { store_available_.store(available); }
  // A mutex held around each management request (null: none). The change feed holds it while it
  // applies other nodes' changes, so that they and this node's own index updates never cross.
  void SetManagementLock(std::mutex* lock) { management_lock_ = lock; }

 private:
  ApiResponse Health(const ApiRequest& request, bool readiness) const;

  const VerifyEndpoint& verify_;
  const GatewayEndpoint& gateway_;
  ManagementApi& management_;
  const index::KeyIndex& index_;
  const Console* console_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
  std::atomic<bool> store_available_{true};
  std::mutex* management_lock_ = nullptr;
};

}  // namespace latchkey::http
