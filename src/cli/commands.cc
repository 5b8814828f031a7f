#include "cli/commands.h"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <exception>
#include <iostream>
#include <utility>
#include <vector>

#include "cli/client.h"
#include "cli/render.h"
#include "cli/requests.h"

namespace latchkey::cli {
namespace {

namespace json = boost::json;

// The options every client subcommand takes. Each subcommand has its own copy: CLI11 applies
// environment variables to the options of every subcommand, parsed or not.
struct GlobalOptions {
  std::string addr{kDefaultServerAddress};
  std::string token;
  bool json = false;
};

struct Shared {
  ClientEnvironment env;
  int* exit_code = nullptr;
};
using SharedPtr = std::shared_ptr<const Shared>;

class Runner;
// Prints a successful reply and returns the exit code.
using Printer = std::function<int(Runner&, const Reply&)>;

std::string Trim(std::string_view text) {
  const std::string_view kSpace = " \t\r\n";
  std::size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return "";
  return std::string(text.substr(begin, text.find_last_not_of(kSpace) - begin + 1));
}

// One run of one command: checks the global options, calls the server, prints the outcome.
class Runner {
 public:
  Runner(const ClientEnvironment& env, const GlobalOptions& global) : env_(env), global_(global) {}

  bool json() const { return global_.json; }
  std::chrono::system_clock::time_point Now() const { return env_.now(); }

  void Out(std::string_view text) { *env_.out << Redact(text, global_.token); }
  void Err(std::string_view text) { *env_.err << Redact(text, global_.token) << std::flush; }

  int UsageError(std::string_view message) {
    Err(RenderUsageError(message));
    return 2;
  }

  // The body exactly as the server sent it, newline-terminated.
  void PrintJson(const Reply& reply) {
    if (reply.body.empty()) return;
    Out(reply.body);
    if (reply.body.back() != '\n') Out("\n");
  }

  std::optional<std::string> ReadKey() {
    std::optional<std::string> key = env_.read_key ? env_.read_key() : std::nullopt;
    if (key) key = Trim(*key);
    return key;
  }

  Result<std::string> ReadPassword(bool from_stdin) {
    if (!env_.read_password) return InvalidArgument("cannot read a password here");
    return env_.read_password(from_stdin);
  }

  // Sends `request` (every page of it when `all`) and prints the reply or the error.
  int Send(const Result<ApiRequest>& request, const Printer& print, bool all = false) {
    if (!request.ok()) return UsageError(request.status().message());
    Result<ServerAddress> address = ParseServerAddress(global_.addr);
    if (!address.ok()) return UsageError(address.status().message());
    if (Status valid = ValidateToken(global_.token); !valid.ok()) {
      return UsageError(valid.message());
    }
    std::unique_ptr<HttpTransport> transport = env_.connect(*address);
    Client client(*transport, *address, global_.token);
    Result<Reply> reply = all ? client.CallAllPages(*request) : client.Call(*request);
    if (!reply.ok()) return Unreachable(*address, reply.status());
    if (reply->error) {
      Err(RenderApiError(*reply->error));
      return 1;
    }
    return print(*this, *reply);
  }

 private:
  int Unreachable(const ServerAddress& address, const Status& status) {
    if (status.code() == ErrorCode::kUnavailable) {
      Err(RenderConnectionError(address.display, status.message()));
    } else {
      Err(RenderUsageError("unexpected response from latchkey at " + address.display + ": " +
                           status.message()));
    }
    return 2;
  }

  const ClientEnvironment& env_;
  const GlobalOptions& global_;
};

// ---- printers -------------------------------------------------------------------------------

const json::object& AsObject(const Reply& reply) {
  static const json::object kEmpty;
  return reply.json.is_object() ? reply.json.get_object() : kEmpty;
}

Printer PrintObjectWith(std::string (*render)(const json::object&)) {
  return [render](Runner& runner, const Reply& reply) {
    if (runner.json()) {
      runner.PrintJson(reply);
    } else {
      runner.Out(render(AsObject(reply)));
    }
    return 0;
  };
}

Printer PrintList(Resource resource) {
  return [resource](Runner& runner, const Reply& reply) {
    if (runner.json()) {
      runner.PrintJson(reply);
      return 0;
    }
    static const json::array kNoItems;
    const json::object& page = AsObject(reply);
    const json::value* items = page.if_contains("items");
    const json::value* cursor = page.if_contains("next_cursor");
    runner.Out(RenderList(resource, items && items->is_array() ? items->get_array() : kNoItems,
                          cursor && cursor->is_string() ? cursor->get_string() : ""));
    return 0;
  };
}

Printer PrintDeleted(std::string what, const std::shared_ptr<const std::string>& id) {
  return [what = std::move(what), id](Runner& runner, const Reply& reply) {
    if (runner.json()) {
      runner.PrintJson(reply);
    } else {
      runner.Out("deleted " + what + " " + *id + "\n");
    }
    return 0;
  };
}

// Prints a check's result like PrintObjectWith; exits 0 when `passed` holds for it, else 1.
Printer PrintVerdict(std::string (*render)(const json::object&),
                     bool (*passed)(const json::object&)) {
  return [render, passed](Runner& runner, const Reply& reply) {
    const json::object& response = AsObject(reply);
    if (runner.json()) {
      runner.PrintJson(reply);
    } else {
      runner.Out(render(response));
    }
    return passed(response) ? 0 : 1;
  };
}

bool IsValidKey(const json::object& response) {
  const json::value* code = response.if_contains("code");
  return code != nullptr && code->is_string() && code->get_string() == "VALID";
}

bool IsIntactChain(const json::object& response) {
  const json::value* ok = response.if_contains("ok");
  return ok != nullptr && ok->is_bool() && ok->get_bool();
}

// ---- registration helpers -------------------------------------------------------------------

struct Leaf {
  CLI::App* app;
  std::shared_ptr<GlobalOptions> global;
};

Leaf AddLeaf(CLI::App& parent, std::string name, std::string description) {
  Leaf leaf{parent.add_subcommand(std::move(name), std::move(description)),
            std::make_shared<GlobalOptions>()};
  leaf.app->add_option("--addr", leaf.global->addr, "Server URL (http://host:port)")
      ->envname("LATCHKEY_ADDR")
      ->default_str(std::string(kDefaultServerAddress))
      ->type_name("URL");
  leaf.app
      ->add_option("--token", leaf.global->token,
                   "Personal access token or management key (sent as a Bearer token)")
      ->envname("LATCHKEY_TOKEN")
      ->type_name("TOKEN");
  leaf.app->add_flag("--json", leaf.global->json, "Print the server's JSON response");
  return leaf;
}

int RunGuarded(Runner& runner, const std::function<int(Runner&)>& run) {
  try {
    return run(runner);
  } catch (const std::exception& e) {
    // The edge of the module: nothing below is expected to throw, but nothing may escape.
    return runner.UsageError(std::string("internal error: ") + e.what());
  }
}

void OnRun(const Leaf& leaf, const SharedPtr& shared, std::function<int(Runner&)> run) {
  leaf.app->callback([global = leaf.global, shared, run = std::move(run)] {
    Runner runner(shared->env, *global);
    *shared->exit_code = RunGuarded(runner, run);
  });
}

// The placeholder shown in help for an option's value, the same in every command.
std::string ValueNameOf(std::string_view flag) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"--namespace", "ID"},   {"--owner", "ID"},        {"--parent", "ID"},
      {"--cursor", "CURSOR"},  {"--expires-at", "TIME"}, {"--expires-in", "DURATION"},
      {"--meta", "JSON"},      {"--prefix", "PREFIX"},   {"--default-key-prefix", "PREFIX"},
      {"--email", "EMAIL"},    {"--name", "NAME"},       {"--kind", "KIND"},
      {"--type", "TYPE"},      {"--status", "STATUS"},   {"--description", "TEXT"},
      {"--member", "ID"},      {"--actor", "ID"},        {"--target", "ID"},
      {"--action", "ACTION"},  {"--since", "TIME"},      {"--until", "TIME"},
      {"--capability", "PERM"}};
  for (const auto& [name, value] : kNames) {
    if (name == flag) return std::string(value);
  }
  return "TEXT";
}

CLI::Option* AddOptional(CLI::App* app, const std::string& name, std::optional<std::string>* to,
                         const std::string& description) {
  return app
      ->add_option_function<std::string>(
          name, [to](const std::string& value) { *to = value; }, description)
      ->type_name(ValueNameOf(name));
}

std::shared_ptr<std::string> AddId(const Leaf& leaf, const std::string& what) {
  auto id = std::make_shared<std::string>();
  leaf.app->add_option("ID", *id, "The " + what + "'s id")->required();
  return id;
}

CLI::App& AddCommandGroup(CLI::App& app, const std::string& name, const std::string& description) {
  CLI::App* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return *group;
}

void AddGetCommand(CLI::App& group, const SharedPtr& shared, const std::string& collection,
                   const std::string& what) {
  Leaf leaf = AddLeaf(group, "get", "Show one " + what);
  auto id = AddId(leaf, what);
  OnRun(leaf, shared, [id, collection](Runner& runner) {
    return runner.Send(BuildGet(collection, *id), PrintObjectWith(RenderObject));
  });
}

void AddDeleteCommand(CLI::App& group, const SharedPtr& shared, const std::string& collection,
                      const std::string& what, const std::string& description) {
  Leaf leaf = AddLeaf(group, "delete", description);
  auto id = AddId(leaf, what);
  OnRun(leaf, shared, [id, collection, what](Runner& runner) {
    return runner.Send(BuildDelete(collection, *id), PrintDeleted(what, id));
  });
}

struct Filter {
  std::string flag;
  std::string param;
  std::string description;
};

void AddListCommand(CLI::App& group, const SharedPtr& shared, const std::string& collection,
                    Resource resource, const std::string& description,
                    const std::vector<Filter>& filters) {
  Leaf leaf = AddLeaf(group, "list", description);
  auto args = std::make_shared<ListArgs>();
  for (const Filter& filter : filters) {
    leaf.app
        ->add_option_function<std::string>(
            filter.flag,
            [args, param = filter.param](const std::string& v) {
              args->filters.emplace_back(param, v);
            },
            filter.description)
        ->type_name(ValueNameOf(filter.flag));
  }
  leaf.app
      ->add_option_function<int>(
          "--limit", [args](int v) { args->limit = v; },
          "Items per page (1-1000; server default 50)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  AddOptional(leaf.app, "--cursor", &args->cursor, "Start at this page (next_cursor of a list)");
  leaf.app->add_flag("--all", args->all, "Fetch every page, following next_cursor");
  OnRun(leaf, shared, [args, collection, resource](Runner& runner) {
    return runner.Send(BuildList(collection, *args), PrintList(resource), args->all);
  });
}

// ---- whoami and namespaces -----------------------------------------------------------------

void AddWhoami(CLI::App& app, const SharedPtr& shared) {
  Leaf leaf =
      AddLeaf(app, "whoami", "Show the calling credential's principal, key and permissions");
  OnRun(leaf, shared,
        [](Runner& runner) { return runner.Send(BuildWhoami(), PrintObjectWith(RenderWhoami)); });
}

const std::vector<std::string> kNamespaceKinds = {"organization", "application", "workspace",
                                                  "project", "user_group"};

void AddNamespacesCreate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "create", "Create a namespace");
  auto args = std::make_shared<NamespaceCreateArgs>();
  leaf.app->add_option("NAME", args->name, "The namespace's name")->required();
  leaf.app
      ->add_option("--kind", args->kind,
                   "organization, application, workspace, project "
                   "or user_group")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember(kNamespaceKinds));
  AddOptional(leaf.app, "--parent", &args->parent_id, "The parent namespace's id");
  AddOptional(leaf.app, "--default-key-prefix", &args->default_key_prefix,
              "Prefix of keys created in this namespace (default lk)");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildNamespaceCreate(*args), PrintObjectWith(RenderObject));
  });
}

void AddNamespacesUpdate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "update", "Rename a namespace or change its settings");
  auto args = std::make_shared<NamespaceUpdateArgs>();
  leaf.app->add_option("ID", args->id, "The namespace's id")->required();
  AddOptional(leaf.app, "--name", &args->name, "New name");
  AddOptional(leaf.app, "--default-key-prefix", &args->default_key_prefix,
              "New prefix for keys created in this namespace");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildNamespaceUpdate(*args), PrintObjectWith(RenderObject));
  });
}

void AddNamespaces(CLI::App& app, const SharedPtr& shared) {
  CLI::App& group = AddCommandGroup(app, "namespaces", "Manage namespaces (tenant boundaries)");
  AddNamespacesCreate(group, shared);
  AddListCommand(group, shared, "namespaces", Resource::kNamespace,
                 "List namespaces, in creation order",
                 {{"--parent", "parent_id", "Only children of this namespace id"},
                  {"--kind", "kind", "Only namespaces of this kind"}});
  AddGetCommand(group, shared, "namespaces", "namespace");
  AddNamespacesUpdate(group, shared);
  AddDeleteCommand(group, shared, "namespaces", "namespace",
                   "Delete an empty namespace (refused while principals or keys live in it)");
}

// ---- principals ------------------------------------------------------------------------------

void AddPrincipalsCreate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "create", "Create a user or a service account");
  auto args = std::make_shared<PrincipalCreateArgs>();
  leaf.app->add_option("NAME", args->name, "The principal's name (unique)")->required();
  leaf.app->add_option("--kind", args->kind, "user or service_account")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember({"user", "service_account"}));
  AddOptional(leaf.app, "--namespace", &args->namespace_id,
              "Home namespace id (default: the root organization)");
  AddOptional(leaf.app, "--email", &args->email, "Email address");
  leaf.app->add_flag("--no-default-key", args->no_default_key,
                     "For a user: do not create the default-key");
  auto password_stdin = std::make_shared<bool>(false);
  leaf.app->add_flag("--password-stdin", *password_stdin,
                     "For a user: read a console password from the first line of stdin");
  OnRun(leaf, shared, [args, password_stdin](Runner& runner) {
    if (*password_stdin) {
      Result<std::string> password = runner.ReadPassword(true);
      if (!password.ok()) return runner.UsageError(password.status().message());
      args->password = std::move(*password);
    }
    return runner.Send(BuildPrincipalCreate(*args), PrintObjectWith(RenderCreatedPrincipal));
  });
}

void AddPrincipalsSetPassword(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "set-password",
                      "Set a user's console password (typed without echo, or from stdin)");
  auto id = AddId(leaf, "user");
  auto from_stdin = std::make_shared<bool>(false);
  leaf.app->add_flag("--password-stdin", *from_stdin,
                     "Read the password from the first line of stdin instead of the terminal");
  OnRun(leaf, shared, [id, from_stdin](Runner& runner) {
    Result<std::string> password = runner.ReadPassword(*from_stdin);
    if (!password.ok()) return runner.UsageError(password.status().message());
    return runner.Send(BuildPrincipalSetPassword(*id, *password),
                       [id](Runner& runner, const Reply& reply) {
                         if (runner.json()) {
                           runner.PrintJson(reply);
                         } else {
                           runner.Out("password set for " + *id + "\n");
                         }
                         return 0;
                       });
  });
}

void AddPrincipalsUpdate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "update", "Rename a principal or change its email");
  auto args = std::make_shared<PrincipalUpdateArgs>();
  leaf.app->add_option("ID", args->id, "The principal's id")->required();
  AddOptional(leaf.app, "--name", &args->name, "New name");
  AddOptional(leaf.app, "--email", &args->email, "New email address");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildPrincipalUpdate(*args), PrintObjectWith(RenderObject));
  });
}

void AddPrincipalsSetStatus(CLI::App& group, const SharedPtr& shared, bool active) {
  Leaf leaf = AddLeaf(group, active ? "enable" : "disable",
                      active ? "Enable a principal: its keys verify again"
                             : "Disable a principal: every key it owns verifies as DISABLED");
  auto id = AddId(leaf, "principal");
  OnRun(leaf, shared, [id, active](Runner& runner) {
    return runner.Send(BuildPrincipalSetStatus(*id, active), PrintObjectWith(RenderObject));
  });
}

void AddPrincipals(CLI::App& app, const SharedPtr& shared) {
  CLI::App& group = AddCommandGroup(app, "principals", "Manage users and service accounts");
  AddPrincipalsCreate(group, shared);
  AddListCommand(group, shared, "principals", Resource::kPrincipal,
                 "List principals, in creation order",
                 {{"--namespace", "namespace", "Only principals whose home is this namespace id"},
                  {"--kind", "kind", "Only user or service_account"},
                  {"--status", "status", "Only active or disabled"}});
  AddGetCommand(group, shared, "principals", "principal");
  AddPrincipalsUpdate(group, shared);
  AddPrincipalsSetStatus(group, shared, false);
  AddPrincipalsSetStatus(group, shared, true);
  AddPrincipalsSetPassword(group, shared);
  AddDeleteCommand(group, shared, "principals", "principal",
                   "Delete a principal and every key it owns");
}

// ---- keys ------------------------------------------------------------------------------------

void AddKeysCreate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "create", "Create a key; its secret is shown once");
  auto args = std::make_shared<KeyCreateArgs>();
  CLI::App* app = leaf.app;
  app->add_option("--name", args->name, "The key's name (unique per owner)")
      ->required()
      ->type_name("NAME");
  AddOptional(app, "--namespace", &args->namespace_id, "Namespace id (required unless personal)");
  AddOptional(app, "--owner", &args->owner, "Owner principal id (default: the caller)");
  AddOptional(app, "--type", &args->type, "standard (default), management or personal")
      ->check(CLI::IsMember({"standard", "management", "personal"}));
  app->add_option("--scope", args->scopes, "A permission; repeat for several (default *)")
      ->type_name("SCOPE")
      ->allow_extra_args(false);
  AddOptional(app, "--description", &args->description, "Free text");
  CLI::Option* at = AddOptional(app, "--expires-at", &args->expires_at,
                                "Expiry time, RFC 3339 (never changeable afterwards)");
  CLI::Option* in = AddOptional(app, "--expires-in", &args->expires_in,
                                "Expiry from now: 30d, 12h, 90m, 1w, 1d12h");
  at->excludes(in);
  AddOptional(app, "--meta", &args->meta, "A JSON object returned by verify");
  AddOptional(app, "--prefix", &args->prefix, "Key prefix (default: namespace setting, else lk)");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildKeyCreate(*args, runner.Now()), PrintObjectWith(RenderCreatedKey));
  });
}

void AddKeysUpdate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "update", "Change a key's name, description, scopes or meta");
  auto args = std::make_shared<KeyUpdateArgs>();
  CLI::App* app = leaf.app;
  app->add_option("ID", args->id, "The key's id")->required();
  AddOptional(app, "--name", &args->name, "New name");
  AddOptional(app, "--description", &args->description, "New description");
  app->add_option("--scope", args->scopes, "Replace the scopes; repeat for several")
      ->type_name("SCOPE")
      ->allow_extra_args(false);
  AddOptional(app, "--meta", &args->meta, "Replace meta with this JSON object");
  AddOptional(app, "--expires-at", &args->expires_at,
              "Sent as given; the server refuses it (an expiry is immutable)");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildKeyUpdate(*args), PrintObjectWith(RenderObject));
  });
}

void AddKeysAction(CLI::App& group, const SharedPtr& shared, const std::string& action,
                   const std::string& description) {
  Leaf leaf = AddLeaf(group, action, description);
  auto id = AddId(leaf, "key");
  OnRun(leaf, shared, [id, action](Runner& runner) {
    return runner.Send(BuildKeyAction(*id, action), PrintObjectWith(RenderObject));
  });
}

void AddKeysVerify(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "verify", "Verify a key (exit 0 when VALID, 1 otherwise)");
  auto key = std::make_shared<std::string>();
  auto namespace_id = std::make_shared<std::optional<std::string>>();
  leaf.app->add_option("KEY", *key, "The key's secret; - or nothing reads it from stdin");
  AddOptional(leaf.app, "--namespace", namespace_id.get(), "Require the key to be of this one");
  OnRun(leaf, shared, [key, namespace_id](Runner& runner) {
    std::optional<std::string> secret =
        key->empty() || *key == "-" ? runner.ReadKey() : std::optional<std::string>(*key);
    if (!secret || secret->empty()) {
      return runner.UsageError("no key given: pass it as an argument or on stdin");
    }
    return runner.Send(BuildVerify(*secret, *namespace_id), PrintVerdict(RenderVerify, IsValidKey));
  });
}

void AddKeys(CLI::App& app, const SharedPtr& shared) {
  CLI::App& group = AddCommandGroup(app, "keys", "Manage and verify API keys");
  AddKeysCreate(group, shared);
  AddListCommand(group, shared, "keys", Resource::kKey, "List keys, in creation order",
                 {{"--namespace", "namespace", "Only keys of this namespace id"},
                  {"--owner", "owner", "Only keys owned by this principal id"},
                  {"--status", "status", "Only active, disabled or revoked keys"},
                  {"--type", "type", "Only standard, management or personal keys"}});
  AddGetCommand(group, shared, "keys", "key");
  AddKeysUpdate(group, shared);
  AddKeysAction(group, shared, "disable", "Disable a key (verifies as DISABLED until enabled)");
  AddKeysAction(group, shared, "enable", "Enable a disabled key");
  AddKeysAction(group, shared, "revoke", "Revoke a key, for good");
  AddDeleteCommand(group, shared, "keys", "key", "Delete a key (verifies as NOT_FOUND after)");
  AddKeysVerify(group, shared);
}

// ---- groups ----------------------------------------------------------------------------------

// An option that may be given several times, one value each time.
CLI::Option* AddRepeated(CLI::App* app, const std::string& name, std::vector<std::string>* to,
                         const std::string& description) {
  return app->add_option(name, *to, description)
      ->type_name(ValueNameOf(name))
      ->allow_extra_args(false);
}

void AddGroupsCreate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "create", "Create a group of principals with capabilities");
  auto args = std::make_shared<GroupCreateArgs>();
  CLI::App* app = leaf.app;
  app->add_option("--namespace", args->namespace_id, "The group's namespace id")
      ->required()
      ->type_name(ValueNameOf("--namespace"));
  app->add_option("--name", args->name, "The group's name (unique in its namespace)")
      ->required()
      ->type_name(ValueNameOf("--name"));
  AddOptional(app, "--description", &args->description, "Free text");
  AddRepeated(app, "--capability", &args->capabilities,
              "A permission the members gain; repeat for several (default: none)");
  AddRepeated(app, "--member", &args->members, "A member principal's id; repeat for several");
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildGroupCreate(*args), PrintObjectWith(RenderObject));
  });
}

void AddGroupsUpdate(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "update", "Rename a group or change its description or capabilities");
  auto args = std::make_shared<GroupUpdateArgs>();
  CLI::App* app = leaf.app;
  app->add_option("ID", args->id, "The group's id")->required();
  AddOptional(app, "--name", &args->name, "New name");
  AddOptional(app, "--description", &args->description, "New description");
  CLI::Option* replace = AddRepeated(app, "--capability", &args->capabilities,
                                     "Replace the capabilities; repeat for several");
  CLI::Option* clear = app->add_flag("--no-capabilities", args->clear_capabilities,
                                     "Replace the capabilities with none");
  replace->excludes(clear);
  OnRun(leaf, shared, [args](Runner& runner) {
    return runner.Send(BuildGroupUpdate(*args), PrintObjectWith(RenderObject));
  });
}

void AddGroupsMember(CLI::App& group, const SharedPtr& shared, bool add) {
  Leaf leaf = AddLeaf(group, add ? "add-member" : "remove-member",
                      add ? "Add a principal to a group: it gains the group's capabilities"
                          : "Remove a principal from a group: it loses the group's capabilities");
  auto id = AddId(leaf, "group");
  auto principal = std::make_shared<std::string>();
  leaf.app->add_option("PRINCIPAL", *principal, "The principal's id")->required();
  OnRun(leaf, shared, [id, principal, add](Runner& runner) {
    return runner.Send(BuildGroupMember(*id, *principal, add), PrintObjectWith(RenderObject));
  });
}

void AddGroups(CLI::App& app, const SharedPtr& shared) {
  CLI::App& group =
      AddCommandGroup(app, "groups", "Manage groups: principals with capabilities in a namespace");
  AddGroupsCreate(group, shared);
  AddListCommand(group, shared, "groups", Resource::kGroup, "List groups, in creation order",
                 {{"--namespace", "namespace", "Only groups of this namespace id"},
                  {"--member", "member", "Only groups this principal id is a member of"}});
  AddGetCommand(group, shared, "groups", "group");
  AddGroupsUpdate(group, shared);
  AddDeleteCommand(group, shared, "groups", "group",
                   "Delete a group (its members lose its capabilities)");
  AddGroupsMember(group, shared, true);
  AddGroupsMember(group, shared, false);
}

// ---- audit -----------------------------------------------------------------------------------

void AddAuditVerify(CLI::App& group, const SharedPtr& shared) {
  Leaf leaf = AddLeaf(group, "verify",
                      "Check the audit log's hash chain (exit 0 when intact, 1 when broken)");
  OnRun(leaf, shared, [](Runner& runner) {
    return runner.Send(BuildAuditVerify(), PrintVerdict(RenderAuditVerify, IsIntactChain));
  });
}

void AddAudit(CLI::App& app, const SharedPtr& shared) {
  CLI::App& group = AddCommandGroup(app, "audit", "Read the audit log and check its hash chain");
  AddListCommand(group, shared, "audit", Resource::kAuditEvent,
                 "List audit events, in sequence order",
                 {{"--namespace", "namespace", "Only events in this namespace id"},
                  {"--actor", "actor", "Only events by this principal or key id"},
                  {"--target", "target", "Only events on this id"},
                  {"--action", "action", "Only this action, e.g. keys.create"},
                  {"--since", "since", "Only events from this time on (RFC 3339)"},
                  {"--until", "until", "Only events up to this time (RFC 3339)"}});
  AddAuditVerify(group, shared);
}

// ---- the default environment -----------------------------------------------------------------

// One line of stdin; when stdin is a terminal, after `prompt` on stderr and without echo.
std::optional<std::string> ReadLine(std::string_view prompt) {
  bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  bool hide = tty && tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) std::cerr << prompt << std::flush;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (hide) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << "\n";
  }
  if (!got && line.empty()) return std::nullopt;
  return line;
}

std::optional<std::string> ReadKeyFromStdin() { return ReadLine("key: "); }

Result<std::string> ReadPasswordFromStdin(bool from_stdin) {
  if (from_stdin) {
    std::optional<std::string> line = ReadLine("password: ");
    // Only the line ending goes: spaces belong to the password.
    if (line && !line->empty() && line->back() == '\r') line->pop_back();
    if (!line || line->empty()) return InvalidArgument("no password on stdin");
    return std::move(*line);
  }
  if (isatty(STDIN_FILENO) != 1) {
    return InvalidArgument(
        "stdin is not a terminal: pass --password-stdin to read the password from it");
  }
  std::optional<std::string> first = ReadLine("new password: ");
  if (!first || first->empty()) return InvalidArgument("no password given");
  std::optional<std::string> again = ReadLine("new password again: ");
  if (!again || *again != *first) return InvalidArgument("the two passwords differ");
  return std::move(*first);
}

}  // namespace

ClientEnvironment DefaultClientEnvironment() {
  ClientEnvironment env;
  env.out = &std::cout;
  env.err = &std::cerr;
  env.connect = [](const ServerAddress& address) { return NewHttpTransport(address); };
  env.now = [] { return std::chrono::system_clock::now(); };
  env.read_key = ReadKeyFromStdin;
  env.read_password = ReadPasswordFromStdin;
  return env;
}

void AddClientCommands(CLI::App& app, int* exit_code) {
  AddClientCommands(app, exit_code, DefaultClientEnvironment());
}

void AddClientCommands(CLI::App& app, int* exit_code, ClientEnvironment env) {
  auto shared = std::make_shared<const Shared>(Shared{std::move(env), exit_code});
  AddWhoami(app, shared);
  AddNamespaces(app, shared);
  AddPrincipals(app, shared);
  AddKeys(app, shared);
  AddGroups(app, shared);
  AddAudit(app, shared);
}

}  // namespace latchkey::cli
