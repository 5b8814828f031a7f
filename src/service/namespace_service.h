#pragma once
// NamespaceService: create, read, list, update and delete namespaces (DESIGN §2, §4.4).
// Creating a namespace needs namespaces:write in its parent (or superuser). A namespace still
// holding principals or keys cannot be deleted (kConflict).
// Thread-safety: calls are made from the single management thread.

#include <optional>
#include <string>

#include "service/audit.h"
#include "service/context.h"

namespace latchkey::service {

struct CreateNamespaceInput {
  std::string name;
  domain::NamespaceKind kind = domain::NamespaceKind::kOrganization;
  std::optional<std::string> parent_id;
  std::optional<domain::NamespaceSettings> settings;
};

// A PATCH: absent fields keep their value, settings fields included.
struct UpdateNamespaceInput {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> app_domains;
  std::optional<std::string> default_key_prefix;
  std::optional<std::vector<std::string>> default_resources;
};

class NamespaceService {
 public:
  explicit NamespaceService(const ServiceContext& ctx) : ctx_(ctx), audit_(ctx) {}

  Result<domain::Namespace> Create(const Caller& caller, const CreateNamespaceInput& input);
  Result<domain::Namespace> Get(const Caller& caller, const std::string& id);
  Result<store::Page<domain::Namespace>> List(const Caller& caller,
                                              const store::NamespaceFilter& filter,
                                              const store::PageRequest& page);
  Result<domain::Namespace> Update(const Caller& caller, const std::string& id,
                                   const UpdateNamespaceInput& input);
  Status Delete(const Caller& caller, const std::string& id);

 private:
  const ServiceContext& ctx_;
  AuditLog audit_;
};

// Checks settings: app domains are host names, the key prefix is empty or a valid prefix.
Status CheckNamespaceSettings(const domain::NamespaceSettings& settings);

}  // namespace latchkey::service
