#pragma once
// ServiceContext: the dependencies every management service shares, wired once in app/.
// Services run their store transactions on the management thread (never on the threads that
// serve verification) and update the KeyIndex after each commit, before they return.

#include "crypto/hmac.h"
#include "crypto/random.h"
#include "domain/clock.h"
#include "index/key_index.h"
#include "service/caller.h"
#include "service/usage_history.h"
#include "service/usage_meter.h"
#include "store/store.h"

namespace latchkey::service {

struct ServiceContext {
  store::Store& store;
  index::KeyIndex& index;
  const crypto::SecretHasher& hasher;
  crypto::RandomSource& random;
  const domain::Clock& clock;
  const AccessPolicy& policy;
  UsageMeter* usage = nullptr;      // live rate-limit/quota state, told about quota changes
  UsageHistory* history = nullptr;  // verifications by outcome, for GET /v1/keys/{id}/usage
};

}  // namespace latchkey::service
