// kiln/server/admin_service.h — kiln.v1.AdminService: what the daemon is
// doing, from counters the other parts keep anyway (the ArtifactStore's
// tiers and computes, the instance registry, the request log).
#ifndef KILN_SERVER_ADMIN_SERVICE_H_
#define KILN_SERVER_ADMIN_SERVICE_H_

#include <chrono>

#include <grpcpp/server_context.h>

#include "kiln/server/auth.h"
#include "kiln/server/compile_pipeline.h"
#include "kiln/server/tiered_compiler.h"
#include "kiln/server/instance_registry.h"
#include "kiln/server/request_log.h"
#include "kiln/v1/admin_service.grpc.pb.h"

namespace kiln::server {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  AdminServiceImpl(CompilePipeline& pipeline, const TieredCompiler& tiers,
                   InstanceRegistry& instances, RequestLog& log,
                   const BearerTokenAuth& auth);

  grpc::Status Stats(grpc::ServerContext* context, const v1::StatsRequest* request,
                     v1::StatsResponse* response) override;

 private:
  CompilePipeline& pipeline_;
  const TieredCompiler& tiers_;
  InstanceRegistry& instances_;
  RequestLog& log_;
  const BearerTokenAuth& auth_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace kiln::server

#endif  // KILN_SERVER_ADMIN_SERVICE_H_
