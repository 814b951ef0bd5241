#include "script_session.h"

#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/utility/utility.h"
#include "spec_value.h"
#include "spectest_module.h"
#include "wast_script.h"

namespace kiln::spec {

ScriptSession::ScriptSession(client::LocalEngine& engine, uint64_t deadline_ticks)
    : engine_(engine),
      deadline_ticks_(deadline_ticks),
      store_(std::make_unique<runtime::Store>(engine.engine())) {}

absl::StatusOr<std::unique_ptr<ScriptSession>> ScriptSession::Create(client::LocalEngine& engine,
                                                                     uint64_t deadline_ticks) {
  std::unique_ptr<ScriptSession> session(new ScriptSession(engine, deadline_ticks));
  if (absl::Status status = DefineSpectest(*session->store_, session->linker_); !status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot define spectest: ", std::string(status.message())));
  }
  return session;
}

absl::StatusOr<std::shared_ptr<const runtime::Module>> ScriptSession::Load(
    std::vector<uint8_t> bytes) {
  return engine_.Load(std::move(bytes));
}

absl::StatusOr<runtime::Instance> ScriptSession::Instantiate(
    const std::shared_ptr<const runtime::Module>& module) {
  // A start function runs guest code, so it gets a deadline too.
  store_->SetEpochDeadline(deadline_ticks_);
  return linker_.Instantiate(*store_, module);
}

void ScriptSession::SetCurrent(std::string_view name, absl::StatusOr<runtime::Instance> instance,
                               uint32_t line) {
  ModuleSlot slot{std::move(instance), line};
  if (!name.empty()) named_.insert_or_assign(std::string(name), slot);
  current_ = std::move(slot);
}

absl::StatusOr<runtime::Instance> ScriptSession::InstanceOf(const ModuleSlot& slot) {
  if (slot.instance.ok()) return *slot.instance;
  return absl::FailedPreconditionError(
      absl::StrCat("the module of line ", slot.line,
                   " did not instantiate: ", std::string(slot.instance.status().message())));
}

absl::StatusOr<runtime::Instance> ScriptSession::Target(std::string_view name) const {
  if (name.empty()) {
    if (!current_.has_value()) return absl::NotFoundError("no module has been defined yet");
    return InstanceOf(*current_);
  }
  auto it = named_.find(name);
  if (it == named_.end())
    return absl::NotFoundError(absl::StrCat("no module named ", std::string(name)));
  return InstanceOf(it->second);
}

absl::Status ScriptSession::Register(std::string_view as, std::string_view name) {
  absl::StatusOr<runtime::Instance> instance = Target(name);
  if (!instance.ok()) return instance.status();
  linker_.DefineInstance(as, *instance);
  return absl::OkStatus();
}

absl::StatusOr<absl::StatusOr<std::vector<runtime::Value>>> ScriptSession::Perform(
    const nlohmann::json& action) {
  if (!action.is_object()) return absl::InvalidArgumentError("the action is not an object");
  const std::string type = action.value("type", "");
  const std::string field = action.value("field", "");
  absl::StatusOr<runtime::Instance> instance = Target(action.value("module", ""));
  if (!instance.ok()) return instance.status();

  if (type == "invoke") {
    absl::StatusOr<std::vector<runtime::Value>> args =
        ParseArguments(action.value("args", nlohmann::json::array()));
    if (!args.ok()) return args.status();
    absl::StatusOr<runtime::Func> func = instance->GetFunc(field);
    if (!func.ok()) return func.status();
    store_->SetEpochDeadline(deadline_ticks_);
    return absl::StatusOr<absl::StatusOr<std::vector<runtime::Value>>>(absl::in_place,
                                                                       store_->Call(*func, *args));
  }
  if (type == "get") {
    std::optional<runtime::Extern> exported = instance->GetExport(field);
    if (!exported.has_value()) {
      return absl::NotFoundError(absl::StrCat("no export named \"", field, "\""));
    }
    const runtime::Global* global = std::get_if<runtime::Global>(&*exported);
    if (global == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("export \"", field, "\" is a ",
                       std::string(runtime::ExternKindName(*exported)), ", not a global"));
    }
    return absl::StatusOr<absl::StatusOr<std::vector<runtime::Value>>>(
        absl::in_place, std::vector<runtime::Value>{global->Get()});
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown action type \"", type, "\""));
}

}  // namespace kiln::spec
