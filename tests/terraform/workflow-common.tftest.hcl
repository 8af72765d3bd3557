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
    condition     = aws_sqs_queue.ingest.visibility_timeout_seconds == 365 && aws_lambda_event_source_mapping.start_workflow.batch_size == 10 && aws_lambda_event_source_mapping.start_workflow.scaling_config[0].maximum_concurrency == 10
    error_message = "The ingest queue's visibility timeout is 6 x 60 s + the 5 s batching window (docs/scale.md); batches of 10, at most 10 concurrent start-workflow invocations."
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

run "ingest_scaling_from_variables" {
  command = plan
  variables {
    ingest_batching_window_seconds = 20
    ingest_maximum_concurrency     = 50
  }
  assert {
    condition     = aws_sqs_queue.ingest.visibility_timeout_seconds == 380 && aws_lambda_event_source_mapping.start_workflow.scaling_config[0].maximum_concurrency == 50
    error_message = "The visibility timeout follows the batching window (6 x 60 + 20 = 380 s) and the mapping takes ingest_maximum_concurrency."
  }
}

run "rejects_ingest_concurrency_lambda_does_not_allow" {
  command = plan
  variables {
    ingest_maximum_concurrency = 1
  }
  expect_failures = [var.ingest_maximum_concurrency]
}
