#include "kiln/jit/compiler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "batch_plan.h"
#include "dispatch_alignment.h"
#include "epoch_check_pass.h"
#include "function_translator.h"
#include "i64x2_mul_scalarizer.h"
#include "image_linker.h"
#include "kiln/wasm/vm_abi.h"
#include "kiln/wasm/version.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/Mem2Reg.h"
#include "module_env.h"
#include "oneapi/tbb/parallel_for.h"
#include "trampolines.h"
#include "whole_memory_loads.h"

namespace kiln::jit {
namespace {

void InitializeLlvmOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::CodeGenOptLevel CodeGenLevel(OptLevel level) {
  switch (level) {
    case OptLevel::kO0: return llvm::CodeGenOptLevel::None;
    case OptLevel::kO1: return llvm::CodeGenOptLevel::Less;
    case OptLevel::kO2: return llvm::CodeGenOptLevel::Default;
  }
  return llvm::CodeGenOptLevel::Default;
}

// The CPU features that decide which hosts can run code: those LLVM reads
// from CPUID (and XGETBV) when it looks at a host, present or not. LLVM's
// tuning flags ("fast-gather") and what every x86-64 has ("x87") are not
// among them. LLVM 19 names "evex512" only on hosts with AVX-512; it is
// added, so that the list for a named CPU is the same on every compiling
// host. Found once (CPUID can cost a VM exit) and never changed after.
const std::set<std::string, std::less<>>& IsaFeatureNames() {
  static const std::set<std::string, std::less<>> names = [] {
    std::set<std::string, std::less<>> names = {"evex512"};
    for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
      names.insert(feature.first().str());
    }
    return names;
  }();
  return names;
}

// "+name" for each ISA feature `info` has and "-name" for each it lacks,
// sorted: the fingerprint's feature list, and the feature string the
// target machines are made with. Applied over the same CPU it gives back
// the same subtarget, since LLVM's per-CPU feature sets are closed under
// implication (tests/unit/engine/host_cpu_test.cc checks every CPU).
std::string IsaFeatureList(const llvm::MCSubtargetInfo& info) {
  const std::set<std::string, std::less<>>& isa = IsaFeatureNames();
  std::vector<std::string> features;
  for (const llvm::SubtargetFeatureKV& feature : info.getAllProcessorFeatures()) {
    if (!isa.contains(std::string_view(feature.Key))) continue;
    features.push_back(
        absl::StrCat(info.getFeatureBits().test(feature.Value) ? "+" : "-", feature.Key));
  }
  std::sort(features.begin(), features.end());
  return absl::StrJoin(features, ",");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Compiler>> Compiler::Create(CompilerOptions options) {
  InitializeLlvmOnce();
  std::unique_ptr<Compiler> compiler(new Compiler());
  compiler->triple_ = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(compiler->triple_, error);
  if (target == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no LLVM target for this host: ", error));
  }
  if (options.cpu.empty() || options.cpu == "native") {
    compiler->cpu_ = llvm::sys::getHostCPUName().str();
    // What LLVM detects on this host, over the defaults of the CPU it
    // names. Sorted, as it was applied before the list was read back.
    std::vector<std::string> detected;
    for (const auto& feature : llvm::sys::getHostCPUFeatures()) {
      detected.push_back(absl::StrCat(feature.second ? "+" : "-", feature.first().str()));
    }
    std::sort(detected.begin(), detected.end());
    std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(
        compiler->triple_, compiler->cpu_, absl::StrJoin(detected, ",")));
    if (info == nullptr) return absl::InternalError("cannot create this host's LLVM subtarget");
    compiler->features_ = IsaFeatureList(*info);
  } else {
    compiler->cpu_ = options.cpu;
    // Checked against a generic subtarget first: LLVM prints a warning of
    // its own when asked for a subtarget of an unknown CPU.
    std::unique_ptr<llvm::MCSubtargetInfo> generic(
        target->createMCSubtargetInfo(compiler->triple_, "", ""));
    if (generic == nullptr || !generic->isCPUStringValid(options.cpu)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown CPU '", options.cpu, "' for ", compiler->triple_));
    }
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        target->createMCSubtargetInfo(compiler->triple_, options.cpu, ""));
    if (info == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot create an LLVM subtarget for '", options.cpu, "'"));
    }
    // Without SSE4.1, wasm's float rounding instructions become libm calls,
    // and a code image links no library.
    if (llvm::StringRef(compiler->triple_).starts_with("x86_64") &&
        !info->checkFeatures("+sse4.1")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CPU '", options.cpu, "' lacks SSE4.1; Kiln needs at least x86-64-v2"));
    }
    // The whole list, not just the name: a loader without LLVM cannot know
    // what "sapphirerapids" implies, and must refuse AVX-512 or AMX code
    // on a host without them rather than die of SIGILL running it.
    compiler->features_ = IsaFeatureList(*info);
  }
  compiler->options_ = std::move(options);
  compiler->fingerprint_ = absl::StrCat(
      "kiln=", std::string(KilnVersion()), ";kiln-vm-abi=", vm::kVmAbiVersion, ";llvm=", LLVM_VERSION_STRING,
      ";triple=", compiler->triple_, ";cpu=", compiler->cpu_, ";features=", compiler->features_,
      ";opt=", std::string(OptLevelName(compiler->options_.opt_level)),
      ";epoch=", compiler->options_.epoch_interruption ? 1 : 0);
  return compiler;
}

Compiler::~Compiler() = default;

namespace {

// Whether an x86 target lacks a one-instruction 64-bit vector lane multiply
// (AVX-512DQ's vpmullq), so i64x2 multiply webs are better scalar. Asked of
// the subtarget, so a named --cpu counts as well as this host's features.
bool LacksVectorI64Multiply(const llvm::TargetMachine& machine) {
  return machine.getTargetTriple().isX86() &&
         !machine.getMCSubtargetInfo()->checkFeatures("+avx512dq");
}

// Distinct signatures whose trampolines one compile task makes: enough
// that set-up is noise, few enough that a module with very many signatures
// keeps every core busy and each task's memory small.
constexpr size_t kTrampolinesPerBatch = 256;

absl::StatusOr<BatchCache::Object> CompileBatch(const wasm::Module& module, const BatchJob& job,
                                         const CompilerOptions& options,
                                         const std::string& triple, const std::string& cpu,
                                         const std::string& features,
                                         const std::function<bool()>& cancelled) {
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (target == nullptr) return absl::InternalError(error);
  llvm::TargetOptions target_options;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, target_options, llvm::Reloc::PIC_, llvm::CodeModel::Small,
      CodeGenLevel(options.opt_level)));
  if (machine == nullptr) return absl::InternalError("cannot create an LLVM target machine");

  llvm::LLVMContext context;
  llvm::Module llvm_module("kiln", context);
  llvm_module.setTargetTriple(triple);
  llvm_module.setDataLayout(machine->createDataLayout());
  ModuleEnv env(module, llvm_module, TranslateOptions{options.epoch_interruption});

  // Declare in index order first: the object then lays functions out in
  // index order whatever the call graph.
  for (uint32_t d = job.first_defined; d < job.end_defined; ++d) {
    env.DefinedFunction(module.num_imported_functions + d);
  }
  for (uint32_t d = job.first_defined; d < job.end_defined; ++d) {
    if (absl::Status s = TranslateFunction(env, module.num_imported_functions + d); !s.ok()) {
      return s;
    }
  }
  for (uint32_t t : job.entry_types) DefineEntryTrampoline(env, t);
  for (uint32_t t : job.exit_types) DefineExitTrampoline(env, t);
  env.debug_info().Finalize();
  const auto start = std::chrono::steady_clock::now();
  std::string verify_errors;
  llvm::raw_string_ostream verify_stream(verify_errors);
  if (llvm::verifyModule(llvm_module, &verify_stream)) {
    return absl::InternalError(absl::StrCat("the compiler produced invalid IR: ", verify_errors));
  }

  {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    // A caller that gives up mid-batch stops the optimizer at its next
    // pass: every optional pass is skipped from then on.
    llvm::PassInstrumentationCallbacks instrumentation;
    if (cancelled) {
      instrumentation.registerShouldRunOptionalPassCallback(
          [&cancelled](llvm::StringRef, llvm::Any) { return !cancelled(); });
    }
    llvm::PassBuilder builder(machine.get(), llvm::PipelineTuningOptions(), std::nullopt,
                              &instrumentation);
    builder.registerModuleAnalyses(mam);
    builder.registerCGSCCAnalyses(cgam);
    builder.registerFunctionAnalyses(fam);
    builder.registerLoopAnalyses(lam);
    builder.crossRegisterProxies(lam, fam, cgam, mam);
    // Loads of linear memory stay whole so they trap past its end: once
    // locals are SSA values, before anything narrows or deletes a load,
    // and again before instruction selection.
    builder.registerPipelineStartEPCallback(
        [](llvm::ModulePassManager& passes, llvm::OptimizationLevel) {
          llvm::FunctionPassManager early;
          early.addPass(llvm::PromotePass());
          early.addPass(KeepMemoryLoadsWhole());
          passes.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(early)));
        });
    builder.registerOptimizerLastEPCallback(
        [](llvm::ModulePassManager& passes, llvm::OptimizationLevel) {
          passes.addPass(llvm::createModuleToFunctionPassAdaptor(KeepMemoryLoadsWhole()));
        });
    if (options.opt_level != OptLevel::kO0 && LacksVectorI64Multiply(*machine)) {
      builder.registerOptimizerLastEPCallback(
          [](llvm::ModulePassManager& passes, llvm::OptimizationLevel) {
            passes.addPass(llvm::createModuleToFunctionPassAdaptor(ScalarizeI64x2MulWebs()));
          });
    }
    if (options.epoch_interruption) {
      builder.registerVectorizerStartEPCallback(
          [](llvm::FunctionPassManager& passes, llvm::OptimizationLevel) {
            passes.addPass(DropLoopEpochChecks());
          });
    }
    llvm::ModulePassManager passes;
    switch (options.opt_level) {
      case OptLevel::kO0:
        passes = builder.buildO0DefaultPipeline(llvm::OptimizationLevel::O0);
        break;
      case OptLevel::kO1:
        passes = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O1);
        break;
      case OptLevel::kO2:
        passes = builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
        break;
    }
    passes.run(llvm_module, mam);
  }
  const auto optimized = std::chrono::steady_clock::now();
  if (cancelled && cancelled()) return absl::CancelledError("compile cancelled by its caller");

  // A developer's window into the optimizer: KILN_DUMP_IR=1 prints each
  // batch's optimized IR to stderr.
  if (const char* dump = std::getenv("KILN_DUMP_IR"); dump != nullptr && *dump == '1') {
    llvm_module.print(llvm::errs(), nullptr);
  }

  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream stream(object);
  llvm::legacy::PassManager codegen;
  if (!AddCodeGenPasses(*machine, codegen, stream, llvm::CodeGenFileType::ObjectFile)) {
    return absl::InternalError("LLVM cannot emit object files for this target");
  }
  codegen.run(llvm_module);
  // Where compile time goes: KILN_TRACE_BATCHES=1 prints each batch's
  // functions, wasm bytes, and milliseconds in the optimizer (with the IR
  // verifier) and in code generation.
  if (const char* trace = std::getenv("KILN_TRACE_BATCHES"); trace != nullptr && *trace == '1') {
    size_t body_bytes = 0;
    for (uint32_t d = job.first_defined; d < job.end_defined; ++d) {
      body_bytes += module.bodies[d].bytes.size();
    }
    using Ms = std::chrono::duration<double, std::milli>;
    const std::string what =
        job.first_defined == job.end_defined
            ? absl::StrCat(job.entry_types.size() + job.exit_types.size(), " trampolines")
            : absl::StrCat("functions ", job.first_defined, "..", job.end_defined - 1);
    std::fprintf(stderr, "kiln: batch %s: %zu wasm bytes, optimize %.1f ms, codegen %.1f ms\n",
                 what.c_str(), body_bytes, Ms(optimized - start).count(),
                 Ms(std::chrono::steady_clock::now() - optimized).count());
  }
  return std::make_shared<const std::vector<uint8_t>>(object.begin(), object.end());
}

}  // namespace

absl::StatusOr<wasm::CodeImage> Compiler::Compile(const wasm::Module& module,
                                                  const std::function<bool()>& cancelled,
                                                  BatchCache* batches, CompileStats* stats,
                                                  const Progress& progress) const {
  // Trampolines per distinct signature, named after the first type index
  // that has it, and only for signatures that need one: an entry
  // trampoline where a defined function has it (the host calls wasm
  // through it), an exit trampoline where an imported function does (a
  // host function called from wasm). A type no function has costs nothing.
  std::vector<uint32_t> canonical_type(module.types.size());
  std::map<std::pair<std::vector<wasm::ValType>, std::vector<wasm::ValType>>, uint32_t> firsts;
  for (uint32_t t = 0; t < module.types.size(); ++t) {
    auto it = firsts.try_emplace({module.types[t].params, module.types[t].results}, t).first;
    canonical_type[t] = it->second;
  }
  std::vector<bool> needs_entry(module.types.size());
  std::vector<bool> needs_exit(module.types.size());
  for (uint32_t f = 0; f < module.num_functions(); ++f) {
    const uint32_t t = canonical_type[module.function_type_indices[f]];
    (f < module.num_imported_functions ? needs_exit : needs_entry)[t] = true;
  }

  const std::vector<crypto::Sha256Digest> body_digests = DigestBodies(module);
  std::vector<BatchJob> jobs =
      PlanFunctionBatches(module, body_digests, options_.functions_per_batch);
  const size_t function_batches = jobs.size();
  BatchJob trampolines;
  for (uint32_t t = 0; t < module.types.size(); ++t) {
    if (needs_entry[t]) trampolines.entry_types.push_back(t);
    if (needs_exit[t]) trampolines.exit_types.push_back(t);
    if (trampolines.entry_types.size() + trampolines.exit_types.size() >= kTrampolinesPerBatch) {
      jobs.push_back(std::move(trampolines));
      trampolines = {};
    }
  }
  // A module with nothing to compile still makes one (empty) object.
  if (!trampolines.entry_types.empty() || !trampolines.exit_types.empty() || jobs.empty()) {
    jobs.push_back(std::move(trampolines));
  }

  crypto::Sha256Digest declarations{};
  if (batches != nullptr) declarations = DigestDeclarations(module);
  std::vector<absl::StatusOr<BatchCache::Object>> objects(jobs.size(), BatchCache::Object());
  std::vector<char> reused(jobs.size(), 0);
  std::atomic<bool> stopped{false};
  std::atomic<uint32_t> functions_done{0};
  const auto functions_total = static_cast<uint32_t>(module.bodies.size());
  auto report = [&](size_t i) {
    const uint32_t functions = jobs[i].end_defined - jobs[i].first_defined;
    if (!progress || functions == 0) return;
    progress(functions_done.fetch_add(functions) + functions, functions_total);
  };
  tbb::parallel_for(size_t{0}, jobs.size(), [&](size_t i) {
    // Once the caller gives up, the batches not yet started are skipped;
    // remembering it spares asking again for each of them.
    if (stopped.load(std::memory_order_relaxed) || (cancelled && cancelled())) {
      stopped.store(true, std::memory_order_relaxed);
      return;
    }
    if (batches == nullptr) {
      objects[i] = CompileBatch(module, jobs[i], options_, triple_, cpu_, features_, cancelled);
      report(i);
      return;
    }
    const BatchCache::Key key = BatchKey(fingerprint_, declarations, body_digests, jobs[i]);
    if (BatchCache::Object object = batches->Get(key); object != nullptr) {
      objects[i] = std::move(object);
      reused[i] = 1;
      report(i);
      return;
    }
    objects[i] = CompileBatch(module, jobs[i], options_, triple_, cpu_, features_, cancelled);
    if (objects[i].ok()) batches->Put(key, *objects[i]);
    report(i);
  });
  if (stopped.load()) return absl::CancelledError("compile cancelled by its caller");
  if (stats != nullptr) {
    *stats = {};
    stats->batches = static_cast<uint32_t>(function_batches);
    for (size_t i = 0; i < function_batches; ++i) {
      const uint32_t functions = jobs[i].end_defined - jobs[i].first_defined;
      (reused[i] ? stats->functions_reused : stats->functions_compiled) += functions;
      stats->batches_reused += reused[i];
    }
  }
  std::vector<std::span<const uint8_t>> bytes;
  bytes.reserve(objects.size());
  // The first failing batch in index order, whatever finished first.
  for (const absl::StatusOr<BatchCache::Object>& object : objects) {
    if (!object.ok()) return object.status();
    bytes.emplace_back(**object);
  }
  absl::StatusOr<wasm::CodeImage> image = LinkImage(module, bytes, canonical_type);
  if (image.ok()) image->fingerprint = fingerprint_;
  return image;
}

}  // namespace kiln::jit
