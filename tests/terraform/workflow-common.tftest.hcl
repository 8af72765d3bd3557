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

# ---- Delivery (stacks/delivery.ts). The distribution, OAC, cache policies, key group, output
# bucket ARN and us-east-1 topic are known only at apply: override_during = plan gives them
# fixed values so the plan can assert the references between them (bucket policy condition,
# behaviours' key groups, alarm actions).
override_resource {
  target          = aws_s3_bucket.output
  override_during = plan
  values = {
    arn                         = "arn:aws:s3:::video-workflow-offline-output"
    bucket_regional_domain_name = "video-workflow-offline-output.s3.us-east-1.amazonaws.com"
  }
}
override_resource {
  target          = aws_cloudfront_distribution.delivery
  override_during = plan
  values = {
    id          = "E2OFFLINECHECK"
    arn         = "arn:aws:cloudfront::123456789012:distribution/E2OFFLINECHECK"
    domain_name = "d111111abcdef8.cloudfront.net"
  }
}
override_resource {
  target          = aws_cloudfront_origin_access_control.output
  override_during = plan
  values          = { id = "E3OACOFFLINE" }
}
override_resource {
  target          = aws_cloudfront_cache_policy.manifests
  override_during = plan
  values          = { id = "manifests-policy-id" }
}
override_resource {
  target          = aws_cloudfront_cache_policy.media
  override_during = plan
  values          = { id = "media-policy-id" }
}
override_resource {
  target          = aws_cloudfront_public_key.playback
  override_during = plan
  values          = { id = "K2OFFLINEPUBKEY" }
}
override_resource {
  target          = aws_cloudfront_key_group.playback
  override_during = plan
  values          = { id = "key-group-id" }
}
override_resource {
  target          = aws_sns_topic.delivery_alarms
  override_during = plan
  values          = { arn = "arn:aws:sns:us-east-1:123456789012:delivery-alarms" }
}

run "delivery_defaults" {
  command = plan

  assert {
    condition = (aws_cloudfront_origin_access_control.output.origin_access_control_origin_type == "s3" &&
      aws_cloudfront_origin_access_control.output.signing_behavior == "always" &&
    aws_cloudfront_origin_access_control.output.signing_protocol == "sigv4")
    error_message = "The output bucket is read through an Origin Access Control that always signs (SigV4)."
  }
  assert {
    condition = (length(aws_cloudfront_distribution.delivery.origin) == 1 &&
      one(aws_cloudfront_distribution.delivery.origin).origin_access_control_id == "E3OACOFFLINE" &&
      one(aws_cloudfront_distribution.delivery.origin).domain_name == aws_s3_bucket.output.bucket_regional_domain_name &&
    length(one(aws_cloudfront_distribution.delivery.origin).s3_origin_config) == 0)
    error_message = "The only origin is the output bucket through the OAC (no legacy OAI)."
  }
  assert {
    condition = (aws_cloudfront_distribution.delivery.http_version == "http2and3" && aws_cloudfront_distribution.delivery.is_ipv6_enabled &&
    aws_cloudfront_distribution.delivery.price_class == "PriceClass_100" && aws_cloudfront_distribution.delivery.enabled)
    error_message = "HTTP/2 and HTTP/3, IPv6, PriceClass_100 by default."
  }
  assert {
    condition = alltrue([for b in concat(aws_cloudfront_distribution.delivery.default_cache_behavior, aws_cloudfront_distribution.delivery.ordered_cache_behavior) :
    b.viewer_protocol_policy == "redirect-to-https" && b.compress == false && length(b.trusted_key_groups) == 0])
    error_message = "Every behaviour redirects to HTTPS, does not compress media, and needs no signature when signing is off."
  }
  assert {
    condition     = [for b in aws_cloudfront_distribution.delivery.ordered_cache_behavior : b.path_pattern] == ["*.m3u8", "*.mpd", "*/thumbnails/*", "*.mp4"]
    error_message = "Behaviours by path: manifests (HLS, DASH), thumbnails, MP4; segments fall to the default behaviour."
  }
  assert {
    condition = ([for b in aws_cloudfront_distribution.delivery.ordered_cache_behavior : b.cache_policy_id] == ["manifests-policy-id", "manifests-policy-id", "media-policy-id", "media-policy-id"] &&
    aws_cloudfront_distribution.delivery.default_cache_behavior[0].cache_policy_id == "media-policy-id")
    error_message = "Manifests use the short-TTL policy; thumbnails, MP4 and segments the long-TTL one."
  }
  assert {
    condition     = aws_cloudfront_cache_policy.manifests.max_ttl <= 300 && aws_cloudfront_cache_policy.media.default_ttl >= 86400
    error_message = "Manifests live minutes at most in the cache, media at least a day by default."
  }
  assert {
    condition     = aws_cloudfront_distribution.delivery.viewer_certificate[0].cloudfront_default_certificate && length(aws_cloudfront_distribution.delivery.aliases) == 0
    error_message = "Without delivery_domain_names the distribution uses its *.cloudfront.net certificate and no aliases."
  }
  assert {
    condition     = length(aws_cloudfront_key_group.playback) == 0 && length(aws_cloudfront_public_key.playback) == 0 && length(aws_iam_role_policy.get_job_signing_key) == 0
    error_message = "No key group, public key or key grant when signed playback is off."
  }
  assert {
    condition     = length(aws_cloudfront_response_headers_policy.playback.cors_config) == 0
    error_message = "No CORS headers on playback unless delivery_cors_allowed_origins is set."
  }
  assert {
    condition     = aws_lambda_function.get_job.environment[0].variables.DELIVERY_BASE_URL == "https://d111111abcdef8.cloudfront.net"
    error_message = "Playback URLs use the distribution's domain by default."
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.delivery_5xx_rate.namespace == "AWS/CloudFront" && aws_cloudwatch_metric_alarm.delivery_5xx_rate.metric_name == "5xxErrorRate" &&
      aws_cloudwatch_metric_alarm.delivery_5xx_rate.dimensions.DistributionId == "E2OFFLINECHECK" &&
      aws_cloudwatch_metric_alarm.delivery_5xx_rate.dimensions.Region == "Global" &&
    length(aws_sns_topic.delivery_alarms) == 0)
    error_message = "The 5xxErrorRate alarm watches this distribution; in us-east-1 it uses the stack's own topic."
  }
  assert {
    condition     = output.delivery_domain_name == "d111111abcdef8.cloudfront.net" && output.delivery_distribution_id == "E2OFFLINECHECK"
    error_message = "The stack outputs the distribution's domain and id."
  }
}

run "delivery_signed_playback" {
  command = plan
  variables {
    delivery_signing_private_key_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:video/playback-signing-key-AbCdEf"
    delivery_signing_public_key_pem  = <<-EOT
      -----BEGIN PUBLIC KEY-----
      MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAyhI5ACcG3RFCddkw1q54
      RrnW0Sbc/9UDrKy7HCTLyFdzYstDBMq1zJuXQzQkhwNXq8q7aaJ4X2QTxn8w0hzZ
      wTKXJPsrELlbywWRg2vBei1xN93BV/nFYNwBMgu+Trx/rRyngkMo998T8gtQW5SE
      7gL0bux3/8DJLsDJlX/znUI1Ie0nhTiXQ3YpJo+fcUvNkM53Q6jTjjLyzEZMRBCr
      R71Ymlo6roI2a+bhWdj95FGBu/6M5KkqHN5J0W4ea29XmkVPJXMEk0dh3uAO5YAS
      o9NdBxI22NON3l+wDSY39mSlqKrsRgLqwdlBk/AsCAuIl0RWKu3yOBqrqTt4slbn
      4wIDAQAB
      -----END PUBLIC KEY-----
    EOT
  }

  assert {
    condition     = length(aws_cloudfront_public_key.playback) == 1 && length(aws_cloudfront_key_group.playback) == 1 && aws_cloudfront_key_group.playback[0].items == toset(["K2OFFLINEPUBKEY"])
    error_message = "Signed playback creates the public key and a key group holding it."
  }
  assert {
    condition = alltrue([for b in concat(aws_cloudfront_distribution.delivery.default_cache_behavior, aws_cloudfront_distribution.delivery.ordered_cache_behavior) :
    b.trusted_key_groups == tolist(["key-group-id"])])
    error_message = "Every behaviour requires requests signed by the key group."
  }
  assert {
    condition = (length(aws_iam_role_policy.get_job_signing_key) == 1 &&
    jsondecode(aws_iam_role_policy.get_job_signing_key[0].policy).Statement[0].Resource == "arn:aws:secretsmanager:us-east-1:123456789012:secret:video/playback-signing-key-AbCdEf")
    error_message = "get-job (and only get-job) may read the signing key, on its one ARN."
  }
  assert {
    condition = (aws_lambda_function.get_job.environment[0].variables.DELIVERY_KEY_PAIR_ID == "K2OFFLINEPUBKEY" &&
    aws_lambda_function.list_jobs.environment[0].variables.DELIVERY_SIGNED_PLAYBACK == "true")
    error_message = "get-job signs with the public key's id; the other views know playback is signed."
  }
}

run "delivery_custom_domain_and_cors" {
  command = plan
  variables {
    delivery_domain_names         = ["video.example.com"]
    delivery_certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/0f3e4a7c-1234-4bcd-9876-0123456789ab"
    delivery_cors_allowed_origins = ["https://app.example.com"]
    delivery_price_class          = "PriceClass_All"
  }

  assert {
    condition = (aws_cloudfront_distribution.delivery.aliases == toset(["video.example.com"]) &&
      aws_cloudfront_distribution.delivery.viewer_certificate[0].acm_certificate_arn == "arn:aws:acm:us-east-1:123456789012:certificate/0f3e4a7c-1234-4bcd-9876-0123456789ab" &&
      aws_cloudfront_distribution.delivery.viewer_certificate[0].ssl_support_method == "sni-only" &&
      aws_cloudfront_distribution.delivery.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" &&
    !aws_cloudfront_distribution.delivery.viewer_certificate[0].cloudfront_default_certificate)
    error_message = "A custom domain uses the ACM certificate, SNI and TLSv1.2_2021."
  }
  assert {
    condition     = aws_lambda_function.get_job.environment[0].variables.DELIVERY_BASE_URL == "https://video.example.com" && aws_cloudfront_distribution.delivery.price_class == "PriceClass_All"
    error_message = "Playback URLs use the first custom domain."
  }
  assert {
    condition = (length(aws_cloudfront_response_headers_policy.playback.cors_config) == 1 &&
    aws_cloudfront_response_headers_policy.playback.cors_config[0].access_control_allow_origins[0].items == toset(["https://app.example.com"]))
    error_message = "CORS allows exactly the configured origins."
  }
}

run "delivery_alarm_outside_us_east_1" {
  command = plan
  variables {
    aws_region = "eu-west-1"
  }

  assert {
    condition = (length(aws_sns_topic.delivery_alarms) == 1 && length(aws_kms_key.delivery_alarms) == 1 &&
    aws_cloudwatch_metric_alarm.delivery_5xx_rate.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:delivery-alarms"]))
    error_message = "Outside us-east-1 the CloudFront alarm notifies an encrypted us-east-1 topic (alarm actions must be in the alarm's Region)."
  }
}

run "rejects_domain_without_certificate" {
  command = plan
  variables {
    delivery_domain_names = ["video.example.com"]
  }
  expect_failures = [var.delivery_domain_names]
}

run "rejects_certificate_outside_us_east_1" {
  command = plan
  variables {
    delivery_domain_names    = ["video.example.com"]
    delivery_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e4a7c-1234-4bcd-9876-0123456789ab"
  }
  expect_failures = [var.delivery_certificate_arn]
}

run "rejects_unknown_price_class" {
  command = plan
  variables {
    delivery_price_class = "PriceClass_50"
  }
  expect_failures = [var.delivery_price_class]
}

run "rejects_malformed_public_key" {
  command = plan
  variables {
    delivery_signing_public_key_pem  = "ssh-rsa AAAAB3NzaC1yc2E not-a-pem"
    delivery_signing_private_key_arn = "arn:aws:ssm:us-east-1:123456789012:parameter/video/playback-signing-key"
  }
  expect_failures = [var.delivery_signing_public_key_pem]
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
