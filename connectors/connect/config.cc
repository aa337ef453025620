#include "config.h"

#include <algorithm>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "yaml-cpp/yaml.h"

namespace accord::connect {

absl::Status LoadConfigFile(const std::string& path, const std::vector<std::string>& cli,
                            Config* c) {
  using Setter = std::function<void(const YAML::Node&)>;
  auto str = [](std::string* s) { return Setter([s](const YAML::Node& n) { *s = n.as<std::string>(); }); };
  auto boolean = [](bool* b) { return Setter([b](const YAML::Node& n) { *b = n.as<bool>(); }); };
  auto size = [](size_t* v) { return Setter([v](const YAML::Node& n) { *v = n.as<size_t>(); }); };
  auto i64 = [](int64_t* v) { return Setter([v](const YAML::Node& n) { *v = n.as<int64_t>(); }); };
  const std::map<std::string, Setter> setters = {
      {"hub", str(&c->channel.target)},
      {"ca", str(&c->channel.ca_file)},
      {"cert", str(&c->channel.cert_file)},
      {"key", str(&c->channel.key_file)},
      {"as", str(&c->channel.agency)},
      {"insecure_dev", boolean(&c->channel.insecure_dev)},
      {"mapping", str(&c->mapping)},
      {"source", str(&c->source)},
      {"watch", str(&c->watch)},
      {"agreement", str(&c->agreement)},
      {"checkpoint_dir", str(&c->checkpoint_dir)},
      {"dead_letter", str(&c->dead_letter)},
      {"batch", size(&c->batch)},
      {"max_inflight", size(&c->max_inflight)},
      {"linger_ms", i64(&c->linger_ms)},
      {"initial_backoff_ms", i64(&c->initial_backoff_ms)},
      {"max_backoff_ms", i64(&c->max_backoff_ms)},
      {"progress", str(&c->progress)},
      {"settle_ms", i64(&c->settle_ms)},
      {"poll_ms", i64(&c->poll_ms)},
      {"once", boolean(&c->once)},
      {"dry_run", boolean(&c->dry_run)},
      {"json", boolean(&c->json)},
  };
  std::vector<std::string> errors;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return absl::InvalidArgumentError(absl::StrCat(path, ": not a YAML map"));
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      auto it = setters.find(key);
      if (it == setters.end()) {
        errors.push_back(absl::StrCat(path, ":", kv.first.Mark().line + 1, ": unknown key `", key, "`"));
        continue;
      }
      std::string flag = key;
      std::replace(flag.begin(), flag.end(), '_', '-');
      if (std::find(cli.begin(), cli.end(), flag) != cli.end()) continue;
      try {
        it->second(kv.second);
      } catch (const YAML::Exception&) {
        errors.push_back(absl::StrCat(path, ":", kv.second.Mark().line + 1, ": bad value for `", key, "`"));
      }
    }
  } catch (const YAML::BadFile&) {
    return absl::NotFoundError(absl::StrCat("cannot read config ", path));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return absl::OkStatus();
}

}  // namespace accord::connect
