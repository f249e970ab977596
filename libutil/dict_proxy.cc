// proxy:TYPE:NAME: in Postfix a client of the proxymap service, which
// shares one open table among processes (and reads it from outside a
// chroot). Postern opens TYPE:NAME in-process instead: same answers, so
// configurations that say proxy: keep working. Like Postfix's client, it
// cannot list a table (postmap -s).
#include <memory>

#include "libutil/dict_types.h"

namespace util {
namespace {

class ProxyDict : public Dict {
 public:
  ProxyDict(std::string name, std::unique_ptr<Dict> inner)
      : Dict("proxy", std::move(name)), inner_(std::move(inner)) {}

  bool is_pattern() const override { return inner_->is_pattern(); }
  Result<std::optional<std::string>> lookup(std::string_view key) override {
    return inner_->lookup(key);
  }
  Result<void> update(std::string_view key, std::string_view value) override {
    return inner_->update(key, value);
  }
  Result<bool> remove(std::string_view key) override { return inner_->remove(key); }
  Result<void> for_each(
      const std::function<void(std::string_view, std::string_view)>&) override {
    return fail("can't sequence maps via the proxy service");
  }
  Result<void> commit() override { return inner_->commit(); }
  bool changed() const override { return inner_->changed(); }

 private:
  std::unique_ptr<Dict> inner_;
};

}  // namespace

Result<std::unique_ptr<Dict>> open_proxy_dict(std::string_view name,
                                              const DictOpenOptions& options) {
  auto inner = dict_open(name, options);
  if (!inner) return std::unexpected(inner.error());
  return std::make_unique<ProxyDict>(std::string(name), std::move(*inner));
}

}  // namespace util
