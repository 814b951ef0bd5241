#include "kiln/runtime/memory_budget.h"

#include <iterator>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace kiln::runtime {
namespace {

// Marks a budget's refusal; the value is unused.
constexpr char kBudgetPayloadUrl[] = "type.kiln.dev/kiln.MemoryBudgetExhausted";

}  // namespace

MemoryBudget::MemoryBudget(uint64_t limit_bytes, std::string name)
    : limit_(limit_bytes), name_(std::move(name)) {}

uint64_t MemoryBudget::available() const {
  const uint64_t used = used_.load(std::memory_order_relaxed);
  return used < limit_ ? limit_ - used : 0;
}

bool MemoryBudget::TryCharge(uint64_t bytes) {
  uint64_t used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void MemoryBudget::Release(uint64_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

absl::Status MemoryBudget::Exhausted(uint64_t bytes, std::string_view what) const {
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(std::string(what), " needs ", FormatBytes(bytes), ", but ", name_, " of ",
                   FormatBytes(limit_), " has only ", FormatBytes(available()), " left"));
  status.SetPayload(kBudgetPayloadUrl, absl::Cord());
  return status;
}

absl::StatusOr<MemoryBudget::Reservation> MemoryBudget::Reserve(uint64_t bytes,
                                                                std::string_view what) {
  if (!TryCharge(bytes)) return Exhausted(bytes, what);
  return Reservation(this, bytes);
}

MemoryBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

MemoryBudget::Reservation& MemoryBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    if (budget_ != nullptr) budget_->Release(bytes_);
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

MemoryBudget::Reservation::~Reservation() {
  if (budget_ != nullptr) budget_->Release(bytes_);
}

bool MemoryBudget::Reservation::Resize(uint64_t bytes) {
  if (budget_ == nullptr) return false;
  if (bytes > bytes_) {
    if (!budget_->TryCharge(bytes - bytes_)) return false;
  } else {
    budget_->Release(bytes_ - bytes);
  }
  bytes_ = bytes;
  return true;
}

bool IsBudgetExhausted(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted &&
         status.GetPayload(kBudgetPayloadUrl).has_value();
}

std::string FormatBytes(uint64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, bytes == 1 ? " byte" : " bytes");
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (value >= 1024 && unit + 1 < static_cast<int>(std::size(kUnits))) {
    value /= 1024;
    ++unit;
  }
  return absl::StrFormat("%.1f %s", value, kUnits[unit]);
}

}  // namespace kiln::runtime
