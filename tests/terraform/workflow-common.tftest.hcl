# terraform test shared by the dev, staging and prod stacks (scripts/terraform-check.sh copies it
# next to the stack's own file; command = plan, offline). aws_caller_identity calls STS, so it is
# overridden with a fixed account.
override_data {
  target = data.aws_caller_identity.current
  values = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/offline-check"
    user_id    = "AIDAOFFLINECHECK"
  }
}

run "plan_defaults" {
  command = plan

  assert {
    condition     = length(aws_s3_bucket_cors_configuration.source) == 0 && length(aws_s3_bucket_cors_configuration.output) == 0
    error_message = "No CORS on any bucket unless cors_allowed_origins is set."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.type == "STANDARD"
    error_message = "The workflow must be a STANDARD state machine: .sync MediaConvert jobs outlive Express executions."
  }
  assert {
    condition     = aws_sfn_state_machine.workflow.tracing_configuration[0].enabled
    error_message = "X-Ray tracing must be on for the state machine."
  }
  assert {
    condition = alltrue([for b in [aws_s3_bucket_public_access_block.source, aws_s3_bucket_public_access_block.output, aws_s3_bucket_public_access_block.archive] :
    b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets])
    error_message = "Every bucket must block all public access."
  }
  assert {
    condition = alltrue([for o in [aws_s3_bucket_ownership_controls.source, aws_s3_bucket_ownership_controls.output, aws_s3_bucket_ownership_controls.archive] :
    o.rule[0].object_ownership == "BucketOwnerEnforced"])
    error_message = "Every bucket must disable ACLs (BucketOwnerEnforced)."
  }
  assert {
    condition     = aws_dynamodb_table.jobs.point_in_time_recovery[0].enabled
    error_message = "The jobs table must have point-in-time recovery."
  }
  assert {
    condition     = aws_lambda_function.extract_metadata.runtime == "nodejs22.x" && aws_lambda_function.extract_metadata.architectures[0] == "arm64"
    error_message = "Functions run Node.js 22 on arm64."
  }
  assert {
    condition     = aws_lambda_function.start_workflow.tracing_config[0].mode == "Active"
    error_message = "Functions have X-Ray active tracing."
  }
  assert {
    condition     = aws_cloudwatch_log_group.extract_metadata.retention_in_days == var.log_retention_days
    error_message = "Lambda log groups take their retention from log_retention_days."
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "No email subscription without notification_email."
  }
  assert {
    condition     = aws_apigatewayv2_route.post_jobs.authorization_type == "AWS_IAM" && length(aws_apigatewayv2_authorizer.jwt) == 0
    error_message = "Without a JWT issuer every route requires AWS_IAM."
  }
  assert {
    condition = alltrue([for r in [aws_apigatewayv2_route.post_jobs, aws_apigatewayv2_route.get_jobs, aws_apigatewayv2_route.get_jobs_job_id, aws_apigatewayv2_route.post_uploads] :
    r.authorization_scopes == null || length(coalesce(r.authorization_scopes, [])) == 0])
    error_message = "AWS_IAM routes carry no OAuth scopes."
  }
  assert {
    condition = anytrue([for i in aws_dynamodb_table.jobs.global_secondary_index :
    i.name == "owner-createdAt" && i.hash_key == "owner" && i.range_key == "createdAt" && i.projection_type == "ALL"])
    error_message = "The jobs table has the owner index (owner, createdAt) GET /jobs lists a caller's jobs from."
  }
  assert {
    condition     = contains([for a in aws_dynamodb_table.jobs.attribute : a.name], "owner")
    error_message = "owner is a declared attribute of the jobs table (the owner index key)."
  }
  assert {
    condition     = aws_dynamodb_table.limits.ttl[0].enabled && aws_dynamodb_table.uploads.ttl[0].enabled && aws_dynamodb_table.limits.point_in_time_recovery[0].enabled
    error_message = "Quota counters and upload reservations expire (TTL) and have PITR."
  }
  assert {
    condition     = aws_lambda_function.create_upload.environment[0].variables.UPLOAD_URL_EXPIRES_SECONDS == "300"
    error_message = "Upload forms expire after upload_url_expires_seconds (default 300 s)."
  }
}

run "jwt_authorizer_and_email" {
  command = plan
  variables {
    api_jwt_issuer       = "https://issuer.example.com/"
    api_jwt_audience     = ["video-jobs"]
    notification_email   = "ops@example.com"
    cors_allowed_origins = ["https://app.example.com"]
    log_retention_days   = 30
  }
  assert {
    condition     = one([for r in aws_s3_bucket_cors_configuration.source[0].cors_rule : r.allowed_origins]) == toset(["https://app.example.com"])
    error_message = "cors_allowed_origins opens browser uploads to the source bucket for those origins only."
  }
  assert {
    condition     = aws_apigatewayv2_route.post_jobs.authorization_type == "JWT" && aws_apigatewayv2_route.get_jobs.authorization_type == "JWT"
    error_message = "With a JWT issuer the routes use the JWT authorizer."
  }
  assert {
    condition     = length(aws_apigatewayv2_authorizer.jwt) == 1 && aws_apigatewayv2_authorizer.jwt[0].jwt_configuration[0].issuer == "https://issuer.example.com/"
    error_message = "The JWT authorizer is created from api_jwt_issuer."
  }
  assert {
    condition = alltrue([for r in [aws_apigatewayv2_route.get_jobs, aws_apigatewayv2_route.get_jobs_job_id] :
    toset(r.authorization_scopes) == toset(["video/jobs.read", "video/admin"])])
    error_message = "GET routes accept the read scope or the admin scope in JWT mode."
  }
  assert {
    condition = alltrue([for r in [aws_apigatewayv2_route.post_jobs, aws_apigatewayv2_route.post_uploads] :
    toset(r.authorization_scopes) == toset(["video/jobs.write", "video/admin"])])
    error_message = "POST routes accept the write scope or the admin scope in JWT mode."
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1
    error_message = "notification_email creates the email subscription."
  }
  assert {
    condition     = aws_cloudwatch_log_group.workflow.retention_in_days == 30
    error_message = "log_retention_days applies to the state machine log group."
  }
}

run "rejects_bad_email" {
  command = plan
  variables {
    notification_email = "not-an-email"
  }
  expect_failures = [var.notification_email]
}

run "rejects_retention_cloudwatch_does_not_allow" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}

run "custom_scopes_and_admins" {
  command = plan
  variables {
    api_jwt_issuer             = "https://issuer.example.com/"
    api_jwt_audience           = ["video-jobs"]
    api_jwt_read_scope         = "media/read"
    api_jwt_write_scope        = "media/write"
    api_jwt_admin_scope        = "media/admin"
    api_admin_principals       = ["arn:aws:iam::123456789012:role/video-admin", "ops-admin"]
    max_jobs_per_owner_per_day = 7
  }
  assert {
    condition     = toset(aws_apigatewayv2_route.get_jobs.authorization_scopes) == toset(["media/read", "media/admin"]) && toset(aws_apigatewayv2_route.post_uploads.authorization_scopes) == toset(["media/write", "media/admin"])
    error_message = "Route scopes follow the api_jwt_*_scope variables."
  }
  assert {
    condition     = aws_lambda_function.list_jobs.environment[0].variables.API_ADMIN_SCOPE == "media/admin" && aws_lambda_function.get_job.environment[0].variables.API_ADMIN_PRINCIPALS == "arn:aws:iam::123456789012:role/video-admin,ops-admin"
    error_message = "The API functions read the admin scope and admin principals from the variables."
  }
  # The start functions' environment holds the state machine ARN, unknown at plan: their
  # MAX_JOBS_PER_OWNER_PER_DAY wiring is asserted on the synthesized JSON (compute.test.ts).
}

run "rejects_a_scope_with_a_space" {
  command = plan
  variables {
    api_jwt_admin_scope = "video admin"
  }
  expect_failures = [var.api_jwt_admin_scope]
}

run "rejects_an_admin_that_is_not_a_principal" {
  command = plan
  variables {
    api_admin_principals = ["arn:aws:s3:::bucket"]
  }
  expect_failures = [var.api_admin_principals]
}

run "rejects_a_zero_quota" {
  command = plan
  variables {
    max_jobs_per_owner_per_day = 0
  }
  expect_failures = [var.max_jobs_per_owner_per_day]
}

run "tags_reach_every_resource" {
  command = plan
  variables {
    tags = { CostCenter = "media" }
  }
  assert {
    condition     = aws_s3_bucket.source.tags_all["CostCenter"] == "media" && aws_dynamodb_table.jobs.tags_all["CostCenter"] == "media"
    error_message = "var.tags must reach every resource through the provider's default_tags."
  }
  assert {
    condition     = aws_s3_bucket.source.tags_all["ManagedBy"] == "cdktf"
    error_message = "The stack's own tags stay beside var.tags."
  }
}

run "rejects_tags_that_replace_the_stack_tags" {
  command = plan
  variables {
    tags = { Environment = "somewhere-else" }
  }
  expect_failures = [var.tags]
}

run "rejects_reserved_aws_tag_prefix" {
  command = plan
  variables {
    tags = { "aws:owner" = "me" }
  }
  expect_failures = [var.tags]
}
